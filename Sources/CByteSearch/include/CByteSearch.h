// C boundary for byte search: glibc's memmem, hidden from Swift behind
// _GNU_SOURCE (shim.c is compiled with it).
#ifndef CBYTESEARCH_H
#define CBYTESEARCH_H

#include <stddef.h>

/// The first occurrence of `needle` in `hay`, or NULL (glibc's two-way/SSE search).
const void *cbs_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len);

#endif
