#define _GNU_SOURCE
#include "CByteSearch.h"
#include <string.h>

const void *cbs_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len) {
    return memmem(hay, hay_len, needle, needle_len);
}
