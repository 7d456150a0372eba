// CRC-32 (the zlib polynomial, bit-reflected) of the index's blocks and records. A search
// process checks about 11 MB of blocks when it opens an index of 50,000 reports; zlib's
// table-driven loop took a tenth of the process. Where the CPU has carry-less multiplication
// (PCLMULQDQ), whole 16-byte runs are folded four lanes at a time and reduced with Barrett's
// method (Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
// Instruction", Intel, 2009); zlib does the rest and runs on other CPUs.

#include "CICU.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

// The paper's constants for the reflected polynomial 0x104C11DB7: x^(4·128+32) mod P and
// x^(4·128−32) mod P (folding four lanes), x^(128+32) and x^(128−32) mod P (folding one),
// x^64 mod P (128 to 64 bits), then P' and μ = x^64 / P for the Barrett reduction.
static const uint64_t foldFour[2] = {0x0154442bd4, 0x01c6e41596};
static const uint64_t foldOne[2] = {0x01751997d0, 0x00ccaa009e};
static const uint64_t foldHalf[2] = {0x0163cd6124, 0};
static const uint64_t barrett[2] = {0x01db710641, 0x01f7011641};

__attribute__((target("pclmul,sse4.1")))
static inline __m128i fold(__m128i lane, __m128i constants, __m128i next) {
  __m128i low = _mm_clmulepi64_si128(lane, constants, 0x00);
  __m128i high = _mm_clmulepi64_si128(lane, constants, 0x11);
  return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

// The CRC state (inverted, as inside zlib) after `length` bytes, a multiple of 16 and at least 64.
__attribute__((target("pclmul,sse4.1")))
static uint32_t foldedState(uint32_t state, const uint8_t *bytes, uint64_t length) {
  __m128i lanes[4];
  for (int lane = 0; lane < 4; lane++) lanes[lane] = _mm_loadu_si128((const __m128i *)(bytes + 16 * lane));
  lanes[0] = _mm_xor_si128(lanes[0], _mm_cvtsi32_si128((int)state));
  bytes += 64;
  length -= 64;
  __m128i constants = _mm_loadu_si128((const __m128i *)foldFour);
  for (; length >= 64; bytes += 64, length -= 64) {
    for (int lane = 0; lane < 4; lane++) {
      lanes[lane] = fold(lanes[lane], constants, _mm_loadu_si128((const __m128i *)(bytes + 16 * lane)));
    }
  }
  constants = _mm_loadu_si128((const __m128i *)foldOne);
  __m128i value = lanes[0];
  for (int lane = 1; lane < 4; lane++) value = fold(value, constants, lanes[lane]);
  for (; length >= 16; bytes += 16, length -= 16) {
    value = fold(value, constants, _mm_loadu_si128((const __m128i *)bytes));
  }
  // 128 bits to 64, then to 32 by Barrett reduction.
  const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
  value = _mm_xor_si128(_mm_srli_si128(value, 8), _mm_clmulepi64_si128(value, constants, 0x10));
  constants = _mm_loadl_epi64((const __m128i *)foldHalf);
  value = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(value, low32), constants, 0x00), _mm_srli_si128(value, 4));
  constants = _mm_loadu_si128((const __m128i *)barrett);
  __m128i quotient = _mm_clmulepi64_si128(_mm_and_si128(value, low32), constants, 0x10);
  __m128i product = _mm_clmulepi64_si128(_mm_and_si128(quotient, low32), constants, 0x00);
  return (uint32_t)_mm_extract_epi32(_mm_xor_si128(value, product), 1);
}

static int hasCarrylessMultiply(void) {
  static int answer = -1;
  if (answer < 0) {
    __builtin_cpu_init();
    answer = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  }
  return answer;
}
#endif

static uint32_t zlibCRC(uint32_t crc, const uint8_t *bytes, uint64_t length) {
  while (length > 0) {
    uInt step = length > 0x40000000u ? 0x40000000u : (uInt)length;
    crc = (uint32_t)crc32(crc, bytes, step);
    bytes += step;
    length -= step;
  }
  return crc;
}

uint32_t cicu_crc32(uint32_t crc, const uint8_t *bytes, uint64_t length) {
#if defined(__x86_64__)
  if (length >= 64 && hasCarrylessMultiply()) {
    uint64_t folded = length & ~(uint64_t)15;
    crc = ~foldedState(~crc, bytes, folded);
    bytes += folded;
    length -= folded;
  }
#endif
  return zlibCRC(crc, bytes, length);
}

int32_t cicu_crc32_folds(void) {
#if defined(__x86_64__)
  return hasCarrylessMultiply();
#else
  return 0;
#endif
}

uint32_t cicu_crc32_zlib(uint32_t crc, const uint8_t *bytes, uint64_t length) { return zlibCRC(crc, bytes, length); }
