#ifndef CICU_H
#define CICU_H
// The few ICU (and zlib, zstd) calls DisclosureSearch needs, behind plain C types.
// ICU's own headers are included only in icu_shim.c: importing them into Swift
// clashes with Foundation's bundled _FoundationICU.
// Every function returns a negative value on failure; no function keeps global state.
#include <stdint.h>

/// Writes ICU's version ("72.1") into buffer; returns its length.
int32_t cicu_version(char *buffer, int32_t capacity);

/// Opaque word-break iterator for locale "zh" (UBRK_WORD). One per thread.
typedef struct CICUWordBreaker CICUWordBreaker;
CICUWordBreaker *cicu_wordbreaker_open(void);
void cicu_wordbreaker_close(CICUWordBreaker *breaker);

/// Segments UTF-8 text. For each word (rule status >= 100, i.e. not spaces or
/// punctuation) writes its [start, end) UTF-8 byte offsets into starts/ends.
/// Returns the number of words, or -(needed capacity) - 1 when capacity is too small,
/// or INT32_MIN on an ICU error. The text is converted to UTF-16 first: ICU's iterator
/// runs about 1.5 times as fast over UTF-16 as over a UTF-8 UText, conversion included.
int32_t cicu_wordbreaker_words(CICUWordBreaker *breaker, const uint8_t *utf8, int32_t length,
                               int32_t *starts, int32_t *ends, int32_t capacity);

/// The same words, found by ICU over a UTF-8 UText (for tests: the reference).
int32_t cicu_wordbreaker_words_utext(CICUWordBreaker *breaker, const uint8_t *utf8, int32_t length,
                                     int32_t *starts, int32_t *ends, int32_t capacity);

/// The number of words (as above) in UTF-16 text: ICU alone, for the segmentation ceiling.
/// Returns -1 on an ICU error.
int32_t cicu_wordbreaker_count_utf16(CICUWordBreaker *breaker, const uint16_t *text, int32_t length);

/// NFKC with case folding (ICU's "nfkc_cf") of one UTF-16 string.
/// Returns the output length in UTF-16 units, or a negative value on error.
int32_t cicu_nfkc_casefold(const uint16_t *source, int32_t length, uint16_t *output, int32_t capacity);

/// Opaque "Traditional-Simplified" transliterator.
typedef struct CICUTransliterator CICUTransliterator;
CICUTransliterator *cicu_transliterator_open_traditional_simplified(void);
void cicu_transliterator_close(CICUTransliterator *transliterator);
/// Transliterates text in place (UTF-16). Returns the new length, negative on error.
int32_t cicu_transliterate(CICUTransliterator *transliterator, uint16_t *text, int32_t length, int32_t capacity);

/// Converts bytes in the named charset ("GB18030", "Big5", "UTF-16LE" …) to UTF-16.
/// A capacity of length + 1 units always suffices (no charset yields more than one
/// UTF-16 unit per byte). Returns the output length, a negative value if capacity is too
/// small, INT32_MIN on error. Invalid sequences become U+FFFD; *firstInvalidOffset gets the byte offset of the first
/// one or -1.
int32_t cicu_convert_to_utf16(const char *charset, const uint8_t *bytes, int32_t length,
                              uint16_t *output, int32_t capacity, int32_t *firstInvalidOffset);

/// Reads an HTML page (UTF-8) as libxml2's HTML parser does and returns its visible text, in
/// reading order: block elements end lines, each table row becomes one line of cells joined
/// by " | ", and script, style, head, navigation, header and footer chrome are dropped.
/// With `scans` 0 libxml2 reads the page; with 1, a scanner that makes libxml2's events for
/// regular pages (every element closed in order, where no start tag closes another; quoted
/// attribute values) reads those, and libxml2 the others; with 2 the scanner only (NULL for
/// a page it leaves to libxml2: for comparing the two).
/// Returns a malloc'd UTF-8 buffer (free it with cicu_free) and its length, or NULL.
/// *sourceLines gets a malloc'd array (free it with cicu_free) of *lineCount entries: the
/// 1-based line of the page where each output line's text comes from.
char *cicu_html_text(const uint8_t *utf8, int32_t length, int32_t *outputLength, int32_t **sourceLines,
                     int32_t *lineCount, int32_t scans);
void cicu_free(void *pointer);

/// A reusable compressor (zstd at `level`, frames without the magic number, no checksum or
/// content size) for many small records that share `dictionary` (may be empty), which it
/// digests once; NULL when zstd cannot allocate one.
void *cicu_record_compressor_open(const uint8_t *dictionary, uint64_t dictionaryLength, int32_t level);
/// Compresses bytes into output; returns the compressed length, or -1 when output is too small.
int64_t cicu_record_compress(void *compressor, const uint8_t *bytes, uint64_t length, uint8_t *output, uint64_t capacity);
void cicu_record_compressor_close(void *compressor);
/// An upper bound of the compressed size of `length` bytes.
uint64_t cicu_record_bound(uint64_t length);
/// A zstd dictionary of `content` with entropy tables fitted to the samples (end to end, with
/// their lengths), at most `capacity` bytes, into `output`; its length, or -1.
int64_t cicu_record_dictionary(const uint8_t *content, uint64_t contentLength, const uint8_t *samples,
                               const uint64_t *sampleLengths, uint32_t sampleCount, int32_t level, uint8_t *output,
                               uint64_t capacity);
/// A reusable decompressor for records made with `dictionary` (it keeps a copy); NULL when
/// zstd cannot allocate one.
void *cicu_record_decompressor_open(const uint8_t *dictionary, uint64_t dictionaryLength);
/// Decompresses exactly `outputLength` bytes of a record; returns 0 on success, -1 on damaged input.
int32_t cicu_record_decompress(void *decompressor, const uint8_t *bytes, uint64_t length, uint8_t *output,
                               uint64_t outputLength);
void cicu_record_decompressor_close(void *decompressor);

/// CRC-32 (zlib polynomial) of bytes, continuing from crc (start with 0).
uint32_t cicu_crc32(uint32_t crc, const uint8_t *bytes, uint64_t length);
/// 1 when cicu_crc32 folds with carry-less multiplication on this CPU, else 0.
int32_t cicu_crc32_folds(void);
/// The same CRC by zlib alone (for tests).
uint32_t cicu_crc32_zlib(uint32_t crc, const uint8_t *bytes, uint64_t length);

/// Asks the CPU to bring the cache line holding `address` closer, for a read soon (a hint:
/// it never faults).
static inline void cicu_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// The first occurrence of `needle` (of `needleLength` > 0 bytes) in `haystack`, as an offset
/// from its start, or -1 (glibc's memmem, which Swift's Glibc module does not show).
int64_t cicu_find(const uint8_t *haystack, uint64_t length, const uint8_t *needle, uint64_t needleLength);

#endif
