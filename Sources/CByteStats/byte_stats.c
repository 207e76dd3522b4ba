// Byte histogram for the overview map (see include/CByteStats.h).
//
// The loop is bound by its read-modify-write increments. Eight tables of
// 16-bit counters: a run of equal bytes (text, tables) spreads its
// increments over eight counters, so an increment rarely waits for the
// store of the one before it; 16-bit counters keep the eight tables at
// 4 KiB (zeroed per call at little cost, and they stay in L1). Two 64-bit
// loads per 16 bytes, bytes taken out by shifts. ~2 GiB/s a thread on the
// 2-core test machine (a loop of one table in Swift made ~325 MiB/s);
// scripts/bench-map.sh measures the whole pass.
#include "CByteStats.h"

#include <string.h>

static inline uint64_t load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);  // unaligned-safe; one mov on x86-64
    return v;
}

// Bytes per block: no 16-bit counter can pass 65535 within one (every byte
// may land in the same table in the tail loop: at most 65535 of them).
#define BLOCK 65520u

static void histogram_block(const unsigned char *p, size_t n, uint32_t counts[256]) {
    uint16_t t[8][256];
    memset(t, 0, sizeof t);
    size_t i = 0;
#define COUNT8(w)                        \
    t[0][(w) & 0xFF]++;                  \
    t[1][((w) >> 8) & 0xFF]++;           \
    t[2][((w) >> 16) & 0xFF]++;          \
    t[3][((w) >> 24) & 0xFF]++;          \
    t[4][((w) >> 32) & 0xFF]++;          \
    t[5][((w) >> 40) & 0xFF]++;          \
    t[6][((w) >> 48) & 0xFF]++;          \
    t[7][(w) >> 56]++;
    // 64 bytes a step, asking for the bytes 256 ahead: the chunks come
    // from DMA, not from the cache (measured: ~10% from memory, nothing lost
    // from the cache). A prefetch past the end is harmless (it never faults).
    for (; i + 64 <= n; i += 64) {
        __builtin_prefetch(p + i + 256);
        for (int k = 0; k < 64; k += 16) {
            uint64_t a = load64(p + i + k);
            uint64_t b = load64(p + i + k + 8);
            COUNT8(a)
            COUNT8(b)
        }
    }
    for (; i + 16 <= n; i += 16) {
        uint64_t a = load64(p + i);
        uint64_t b = load64(p + i + 8);
        COUNT8(a)
        COUNT8(b)
    }
    if (i + 8 <= n) {
        uint64_t a = load64(p + i);
        COUNT8(a)
        i += 8;
    }
#undef COUNT8
    for (; i < n; i++) t[0][p[i]]++;
    for (int k = 0; k < 256; k++) {
        counts[k] += (uint32_t)t[0][k] + t[1][k] + t[2][k] + t[3][k] + t[4][k] + t[5][k] + t[6][k] + t[7][k];
    }
}

void cbst_histogram(const void *p, size_t n, uint32_t counts[256]) {
    memset(counts, 0, 256 * sizeof counts[0]);
    const unsigned char *b = p;
    while (n > 0) {
        size_t m = n < BLOCK ? n : BLOCK;
        histogram_block(b, m, counts);
        b += m;
        n -= m;
    }
}

int cbst_uniform(const void *p, size_t n) {
    if (n == 0) return -1;
    const unsigned char *b = p;
    const uint64_t pattern = 0x0101010101010101ull * b[0];
    size_t i = 0;
    // 64 bytes a step, stopping at the first step that differs (random data
    // stops in the first one).
    for (; i + 64 <= n; i += 64) {
        uint64_t d = 0;
        for (int k = 0; k < 64; k += 8) d |= load64(b + i + k) ^ pattern;
        if (d != 0) return -1;
    }
    for (; i < n; i++) {
        if (b[i] != b[0]) return -1;
    }
    return b[0];
}
