#include "CICU.h"

#include <stdlib.h>
#include <string.h>
#define ZSTD_STATIC_LINKING_ONLY  // for the magicless frame format (stable since zstd 1.4)
#include <zstd.h>
#include <zdict.h>
#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/utext.h>
#include <unicode/utrans.h>
#include <unicode/uversion.h>

int32_t cicu_version(char *buffer, int32_t capacity) {
  UVersionInfo info;
  char text[U_MAX_VERSION_STRING_LENGTH];
  u_getVersion(info);
  u_versionToString(info, text);
  int32_t length = (int32_t)strlen(text);
  if (length >= capacity) return -1;
  memcpy(buffer, text, (size_t)length + 1);
  return length;
}

struct CICUWordBreaker {
  UBreakIterator *iterator;
  UText *text;
  /// The text being segmented in UTF-16, and the UTF-8 offset of each unit (one more for the end).
  uint16_t *units;
  int32_t *offsets;
  int32_t capacity;
};

CICUWordBreaker *cicu_wordbreaker_open(void) {
  UErrorCode status = U_ZERO_ERROR;
  UBreakIterator *iterator = ubrk_open(UBRK_WORD, "zh", NULL, 0, &status);
  if (U_FAILURE(status)) return NULL;
  CICUWordBreaker *breaker = calloc(1, sizeof(CICUWordBreaker));
  if (breaker == NULL) {
    ubrk_close(iterator);
    return NULL;
  }
  breaker->iterator = iterator;
  return breaker;
}

void cicu_wordbreaker_close(CICUWordBreaker *breaker) {
  if (breaker == NULL) return;
  ubrk_close(breaker->iterator);
  if (breaker->text != NULL) utext_close(breaker->text);
  free(breaker->units);
  free(breaker->offsets);
  free(breaker);
}

/// Collects the words of the text set on the iterator; `offsets`, when not NULL, maps the
/// iterator's indices to the caller's.
static int32_t collect_words(UBreakIterator *iterator, const int32_t *offsets, int32_t *starts, int32_t *ends,
                             int32_t capacity) {
  int32_t count = 0;
  int32_t start = ubrk_first(iterator);
  for (int32_t end = ubrk_next(iterator); end != UBRK_DONE; start = end, end = ubrk_next(iterator)) {
    if (ubrk_getRuleStatus(iterator) < UBRK_WORD_NONE_LIMIT) continue;
    if (count < capacity) {
      starts[count] = offsets != NULL ? offsets[start] : start;
      ends[count] = offsets != NULL ? offsets[end] : end;
    }
    count++;
  }
  return count <= capacity ? count : -count - 1;
}

/// Converts UTF-8 to UTF-16 into the breaker's buffers, noting each unit's UTF-8 offset (both
/// units of a surrogate pair get the scalar's). A byte that starts no valid sequence becomes
/// U+FFFD. Returns the number of units, or -1 when memory runs out.
static int32_t to_utf16(CICUWordBreaker *breaker, const uint8_t *utf8, int32_t length) {
  if (length + 1 > breaker->capacity) {
    uint16_t *units = realloc(breaker->units, sizeof(uint16_t) * ((size_t)length + 1));
    if (units == NULL) return -1;
    breaker->units = units;
    int32_t *offsets = realloc(breaker->offsets, sizeof(int32_t) * ((size_t)length + 1));
    if (offsets == NULL) return -1;
    breaker->offsets = offsets;
    breaker->capacity = length + 1;
  }
  uint16_t *units = breaker->units;
  int32_t *offsets = breaker->offsets;
  int32_t count = 0;
  int32_t index = 0;
  while (index < length) {
    uint32_t lead = utf8[index];
    uint32_t value = 0xFFFD;
    int32_t width = 1;
    if (lead < 0x80) {
      value = lead;
    } else if (lead >= 0xC2 && lead < 0xE0 && index + 1 < length && (utf8[index + 1] & 0xC0) == 0x80) {
      value = (lead & 0x1F) << 6 | (utf8[index + 1] & 0x3F);
      width = 2;
    } else if (lead >= 0xE0 && lead < 0xF0 && index + 2 < length && (utf8[index + 1] & 0xC0) == 0x80 &&
               (utf8[index + 2] & 0xC0) == 0x80) {
      uint32_t decoded = (lead & 0x0F) << 12 | (utf8[index + 1] & 0x3F) << 6 | (utf8[index + 2] & 0x3F);
      if (decoded >= 0x800 && (decoded < 0xD800 || decoded > 0xDFFF)) {
        value = decoded;
        width = 3;
      }
    } else if (lead >= 0xF0 && lead < 0xF5 && index + 3 < length && (utf8[index + 1] & 0xC0) == 0x80 &&
               (utf8[index + 2] & 0xC0) == 0x80 && (utf8[index + 3] & 0xC0) == 0x80) {
      uint32_t decoded = (lead & 0x07) << 18 | (utf8[index + 1] & 0x3F) << 12 | (utf8[index + 2] & 0x3F) << 6 |
                         (utf8[index + 3] & 0x3F);
      if (decoded >= 0x10000 && decoded <= 0x10FFFF) {
        value = decoded;
        width = 4;
      }
    }
    if (value >= 0x10000) {
      offsets[count] = index;
      units[count++] = (uint16_t)(0xD7C0 + (value >> 10));
      offsets[count] = index;
      units[count++] = (uint16_t)(0xDC00 | (value & 0x3FF));
    } else {
      offsets[count] = index;
      units[count++] = (uint16_t)value;
    }
    index += width;
  }
  offsets[count] = length;
  return count;
}

/// Frees the UTF-16 buffers, the iterator set to an empty text first.
static void release_utf16(CICUWordBreaker *breaker) {
  static const UChar empty[1] = {0};
  UErrorCode status = U_ZERO_ERROR;
  ubrk_setText(breaker->iterator, empty, 0, &status);
  free(breaker->units);
  free(breaker->offsets);
  breaker->units = NULL;
  breaker->offsets = NULL;
  breaker->capacity = 0;
}

int32_t cicu_wordbreaker_words(CICUWordBreaker *breaker, const uint8_t *utf8, int32_t length,
                               int32_t *starts, int32_t *ends, int32_t capacity) {
  int32_t count = to_utf16(breaker, utf8, length);
  if (count < 0) return INT32_MIN;
  UErrorCode status = U_ZERO_ERROR;
  ubrk_setText(breaker->iterator, breaker->units, count, &status);
  int32_t words = U_FAILURE(status) ? INT32_MIN : collect_words(breaker->iterator, breaker->offsets, starts, ends, capacity);
  // The buffers of a text of millions of characters (6 bytes per byte of it) are not kept
  // for the next texts.
  if (breaker->capacity > (1 << 20)) release_utf16(breaker);
  return words;
}

int32_t cicu_wordbreaker_words_utext(CICUWordBreaker *breaker, const uint8_t *utf8, int32_t length,
                                     int32_t *starts, int32_t *ends, int32_t capacity) {
  UErrorCode status = U_ZERO_ERROR;
  breaker->text = utext_openUTF8(breaker->text, (const char *)utf8, length, &status);
  if (U_FAILURE(status)) return INT32_MIN;
  ubrk_setUText(breaker->iterator, breaker->text, &status);
  if (U_FAILURE(status)) return INT32_MIN;
  return collect_words(breaker->iterator, NULL, starts, ends, capacity);
}

int32_t cicu_wordbreaker_count_utf16(CICUWordBreaker *breaker, const uint16_t *text, int32_t length) {
  UErrorCode status = U_ZERO_ERROR;
  ubrk_setText(breaker->iterator, (const UChar *)text, length, &status);
  if (U_FAILURE(status)) return -1;
  int32_t count = 0;
  for (int32_t end = ubrk_next(breaker->iterator); end != UBRK_DONE; end = ubrk_next(breaker->iterator)) {
    if (ubrk_getRuleStatus(breaker->iterator) >= UBRK_WORD_NONE_LIMIT) count++;
  }
  return count;
}

int32_t cicu_nfkc_casefold(const uint16_t *source, int32_t length, uint16_t *output, int32_t capacity) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2 *normalizer = unorm2_getNFKCCasefoldInstance(&status);
  if (U_FAILURE(status)) return -1;
  int32_t written = unorm2_normalize(normalizer, (const UChar *)source, length, (UChar *)output, capacity, &status);
  if (U_FAILURE(status)) return -1;
  return written;
}

struct CICUTransliterator {
  UTransliterator *transliterator;
};

CICUTransliterator *cicu_transliterator_open_traditional_simplified(void) {
  UErrorCode status = U_ZERO_ERROR;
  static const UChar identifier[] = u"Traditional-Simplified";
  UTransliterator *transliterator =
      utrans_openU(identifier, -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
  if (U_FAILURE(status)) return NULL;
  CICUTransliterator *result = calloc(1, sizeof(CICUTransliterator));
  if (result == NULL) {
    utrans_close(transliterator);
    return NULL;
  }
  result->transliterator = transliterator;
  return result;
}

void cicu_transliterator_close(CICUTransliterator *transliterator) {
  if (transliterator == NULL) return;
  utrans_close(transliterator->transliterator);
  free(transliterator);
}

int32_t cicu_transliterate(CICUTransliterator *transliterator, uint16_t *text, int32_t length, int32_t capacity) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t limit = length;
  utrans_transUChars(transliterator->transliterator, (UChar *)text, &length, capacity, 0, &limit, &status);
  if (U_FAILURE(status)) return -1;
  return length;
}

typedef struct {
  const char *base;
  int32_t firstInvalidOffset;
} InvalidRecord;

static void recordInvalid(const void *context, UConverterToUnicodeArgs *args, const char *codeUnits,
                          int32_t length, UConverterCallbackReason reason, UErrorCode *err) {
  InvalidRecord *record = (InvalidRecord *)context;
  if ((reason == UCNV_ILLEGAL || reason == UCNV_IRREGULAR || reason == UCNV_UNASSIGNED) &&
      record->firstInvalidOffset < 0) {
    // args->source already points past the offending bytes.
    record->firstInvalidOffset = (int32_t)(args->source - record->base) - length;
  }
  UCNV_TO_U_CALLBACK_SUBSTITUTE(NULL, args, codeUnits, length, reason, err);
}

int32_t cicu_convert_to_utf16(const char *charset, const uint8_t *bytes, int32_t length,
                              uint16_t *output, int32_t capacity, int32_t *firstInvalidOffset) {
  UErrorCode status = U_ZERO_ERROR;
  *firstInvalidOffset = -1;
  UConverter *converter = ucnv_open(charset, &status);
  if (U_FAILURE(status)) return INT32_MIN;
  InvalidRecord record = {(const char *)bytes, -1};
  ucnv_setToUCallBack(converter, recordInvalid, &record, NULL, NULL, &status);
  if (U_FAILURE(status)) {
    ucnv_close(converter);
    return INT32_MIN;
  }
  UChar *target = (UChar *)output;
  const char *source = (const char *)bytes;
  ucnv_toUnicode(converter, &target, (UChar *)output + capacity, &source, source + length, NULL, 1,
                 &status);
  ucnv_close(converter);
  *firstInvalidOffset = record.firstInvalidOffset;
  if (status == U_BUFFER_OVERFLOW_ERROR) return -(length + 1) - 1;
  if (U_FAILURE(status)) return INT32_MIN;
  return (int32_t)(target - (UChar *)output);
}

// Records are zstd frames without the magic number (each record's own header says what it
// is), made and read with the segment's dictionary digested once per compressor.
struct cicu_record_compressor {
  ZSTD_CCtx *context;
  ZSTD_CDict *dictionary;
};

void *cicu_record_compressor_open(const uint8_t *dictionary, uint64_t dictionaryLength, int32_t level) {
  struct cicu_record_compressor *compressor = calloc(1, sizeof *compressor);
  if (!compressor) return NULL;
  compressor->context = ZSTD_createCCtx();
  if (dictionaryLength > 0) {
    // Smaller match tables than the level's for a dictionary of this size (hash 2^14, chain
    // 2^13, not 2^16 and 2^15): the dictionary's tables are read at random by every record,
    // and on every core, so most probes missed the cache. At 10,000 reports zstd went from
    // 6.9 % to 4.8 % of a build's samples, for records 0.8 % larger.
    ZSTD_compressionParameters parameters = ZSTD_getCParams(level, 0, dictionaryLength);
    if (parameters.hashLog > 14) parameters.hashLog = 14;
    if (parameters.chainLog > 13) parameters.chainLog = 13;
    compressor->dictionary =
        ZSTD_createCDict_advanced(dictionary, dictionaryLength, ZSTD_dlm_byCopy, ZSTD_dct_auto, parameters, ZSTD_defaultCMem);
  }
  if (!compressor->context || (dictionaryLength > 0 && !compressor->dictionary) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(compressor->context, ZSTD_c_compressionLevel, level)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(compressor->context, ZSTD_c_format, ZSTD_f_zstd1_magicless)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(compressor->context, ZSTD_c_contentSizeFlag, 0)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(compressor->context, ZSTD_c_checksumFlag, 0)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(compressor->context, ZSTD_c_dictIDFlag, 0)) ||
      ZSTD_isError(ZSTD_CCtx_refCDict(compressor->context, compressor->dictionary))) {
    cicu_record_compressor_close(compressor);
    return NULL;
  }
  return compressor;
}

int64_t cicu_record_compress(void *compressor, const uint8_t *bytes, uint64_t length, uint8_t *output, uint64_t capacity) {
  struct cicu_record_compressor *self = compressor;
  size_t written = ZSTD_compress2(self->context, output, capacity, bytes, length);
  return ZSTD_isError(written) ? -1 : (int64_t)written;
}

void cicu_record_compressor_close(void *compressor) {
  struct cicu_record_compressor *self = compressor;
  ZSTD_freeCCtx(self->context);
  ZSTD_freeCDict(self->dictionary);
  free(self);
}

uint64_t cicu_record_bound(uint64_t length) { return (uint64_t)ZSTD_compressBound(length); }

int64_t cicu_record_dictionary(const uint8_t *content, uint64_t contentLength, const uint8_t *samples,
                               const uint64_t *sampleLengths, uint32_t sampleCount, int32_t level, uint8_t *output,
                               uint64_t capacity) {
  size_t *lengths = malloc(sizeof(size_t) * (sampleCount ? sampleCount : 1));
  if (!lengths) return -1;
  for (uint32_t index = 0; index < sampleCount; index++) lengths[index] = (size_t)sampleLengths[index];
  // A fixed ID (frames do not carry it): zstd's default, a random one, would make two builds
  // of the same corpus differ.
  ZDICT_params_t parameters = {.compressionLevel = level, .notificationLevel = 0, .dictID = 1};
  size_t written = ZDICT_finalizeDictionary(output, capacity, content, contentLength, samples, lengths, sampleCount, parameters);
  free(lengths);
  return ZDICT_isError(written) ? -1 : (int64_t)written;
}

struct cicu_record_decompressor {
  ZSTD_DCtx *context;
  ZSTD_DDict *dictionary;
};

void *cicu_record_decompressor_open(const uint8_t *dictionary, uint64_t dictionaryLength) {
  struct cicu_record_decompressor *decompressor = calloc(1, sizeof *decompressor);
  if (!decompressor) return NULL;
  decompressor->context = ZSTD_createDCtx();
  if (dictionaryLength > 0) decompressor->dictionary = ZSTD_createDDict(dictionary, dictionaryLength);
  if (!decompressor->context || (dictionaryLength > 0 && !decompressor->dictionary) ||
      ZSTD_isError(ZSTD_DCtx_setParameter(decompressor->context, ZSTD_d_format, ZSTD_f_zstd1_magicless)) ||
      ZSTD_isError(ZSTD_DCtx_refDDict(decompressor->context, decompressor->dictionary))) {
    cicu_record_decompressor_close(decompressor);
    return NULL;
  }
  return decompressor;
}

int32_t cicu_record_decompress(void *decompressor, const uint8_t *bytes, uint64_t length, uint8_t *output,
                               uint64_t outputLength) {
  struct cicu_record_decompressor *self = decompressor;
  size_t written = ZSTD_decompressDCtx(self->context, output, outputLength, bytes, length);
  return !ZSTD_isError(written) && written == outputLength ? 0 : -1;
}

void cicu_record_decompressor_close(void *decompressor) {
  struct cicu_record_decompressor *self = decompressor;
  ZSTD_freeDCtx(self->context);
  ZSTD_freeDDict(self->dictionary);
  free(self);
}
