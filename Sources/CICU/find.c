// Byte-string search for the search side (snippets, and checking a part in stored texts):
// glibc's memmem skips through the text where a byte-by-byte loop compared at every offset.

#define _GNU_SOURCE
#include "CICU.h"

#include <string.h>

int64_t cicu_find(const uint8_t *haystack, uint64_t length, const uint8_t *needle, uint64_t needleLength) {
  const uint8_t *found = memmem(haystack, length, needle, needleLength);
  return found == NULL ? -1 : (int64_t)(found - haystack);
}
