// C boundary for the overview map's byte statistics: a byte histogram and an
// equal-bytes test, compiled with optimisation in every configuration (the
// map's full pass tallies every byte it reads, so this loop bounds it).
#ifndef CBYTESTATS_H
#define CBYTESTATS_H

#include <stddef.h>
#include <stdint.h>

/// Counts the `n` bytes at `p` (any alignment, any length) by value into
/// `counts[256]`, which is overwritten. Every byte is counted.
void cbst_histogram(const void *p, size_t n, uint32_t counts[256]);

/// The value of the `n` bytes at `p` if they are all equal (0...255), else -1
/// (also -1 when `n` is 0).
int cbst_uniform(const void *p, size_t n);

#endif
