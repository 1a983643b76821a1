/* Integer i8x16 work: a histogram of the high nibbles and a count of a few
 * marker bytes over a 64 KiB pseudo-random buffer, 16 bytes at a time,
 * written with 16-byte vectors (GCC/clang vector extensions: the same
 * source compiles natively for the checksum check in build.sh and to
 * wasm i8x16 instructions with -msimd128).
 *
 * Per vector v: h = v >> 4 (i8x16.shr_u); for each nibble value k,
 * count[k] -= (h == k) (i8x16.eq + i8x16.sub: a true lane is -1); the
 * same for the bytes '\n', ' ' and 'e'. The 8-bit counters are widened
 * (extend to i16x8, add) every 255 vectors before they can wrap. Between
 * rounds the buffer is mixed with a byte-wise add/xor of a shifted copy
 * of itself (i8x16.add, v128.xor), so every round sees different data.
 * The checksum folds every count.
 */
#include <stdint.h>

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));

#define BYTES 65536
#define VECS (BYTES / 16)
#define ROUNDS 24
#define KINDS 19 /* 16 nibbles + 3 marker bytes */

static u8x16 buf[VECS];

static uint64_t fold(uint64_t h, uint64_t x) { return (h ^ x) * 0x100000001b3ull; }

/* Adds the 16 8-bit counters of `c` into the 8 16-bit ones of `w`. */
static u16x8 widen_add(u16x8 w, u8x16 c) {
    u8x16 zero = {0};
    u16x8 lo = (u16x8)__builtin_shufflevector(c, zero, 0, 16, 1, 16, 2, 16, 3, 16, 4, 16, 5, 16, 6, 16, 7, 16);
    u16x8 hi = (u16x8)__builtin_shufflevector(c, zero, 8, 16, 9, 16, 10, 16, 11, 16, 12, 16, 13, 16, 14, 16, 15, 16);
    return w + lo + hi;
}

static uint64_t count_round(void) {
    static const uint8_t markers[3] = {'\n', ' ', 'e'};
    u16x8 wide[KINDS];
    for (int k = 0; k < KINDS; k++) wide[k] = (u16x8){0};
    for (int start = 0; start < VECS; start += 255) {
        int end = start + 255 < VECS ? start + 255 : VECS;
        u8x16 cnt[KINDS];
        for (int k = 0; k < KINDS; k++) cnt[k] = (u8x16){0};
        for (int i = start; i < end; i++) {
            u8x16 v = buf[i];
            u8x16 h = v >> 4;
            for (int k = 0; k < 16; k++) cnt[k] -= (u8x16)(h == (uint8_t)k);
            for (int k = 0; k < 3; k++) cnt[16 + k] -= (u8x16)(v == markers[k]);
        }
        for (int k = 0; k < KINDS; k++) wide[k] = widen_add(wide[k], cnt[k]);
    }
    uint64_t h = 0;
    for (int k = 0; k < KINDS; k++) {
        uint32_t total = 0;
        for (int l = 0; l < 8; l++) total += wide[k][l];
        h = fold(h, total);
    }
    return h;
}

/* buf[i] = (buf[i] + rotate-by-one-byte(buf[i+1])) ^ round, byte-wise. */
static void mix(uint8_t round) {
    u8x16 first = buf[0];
    for (int i = 0; i < VECS; i++) {
        u8x16 next = i + 1 < VECS ? buf[i + 1] : first;
        u8x16 rot = __builtin_shufflevector(buf[i], next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        buf[i] = (buf[i] + rot) ^ round;
    }
}

int64_t run(void) {
    uint32_t s = 12345;
    uint8_t *bytes = (uint8_t *)buf;
    for (int i = 0; i < BYTES; i++) {
        s = s * 1103515245u + 12345u;
        bytes[i] = (uint8_t)(s >> 24);
    }
    uint64_t h = 0;
    for (int r = 0; r < ROUNDS; r++) {
        h = fold(h, count_round());
        mix((uint8_t)(r * 37 + 1));
    }
    return (int64_t)h;
}
