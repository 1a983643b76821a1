/* f32x4 arithmetic: a dense 64x64 single-precision matrix multiply written
 * with 16-byte vectors (GCC/clang vector extensions, so the same source
 * compiles natively for the checksum check in build.sh and to wasm
 * `f32x4` instructions with -msimd128), repeated, plus a dot product.
 *
 * C = A * B row by row: c[i][j..j+4] += splat(a[i][k]) * b[k][j..j+4], the
 * splat + v128.load + f32x4.mul + f32x4.add kernel of every SIMD matrix
 * code. Then A = C scaled back into [-1, 1] (the row's largest magnitude,
 * found with f32x4 abs and compares), so values stay finite and every
 * round depends on the last. Only IEEE-exact operations (no FMA, no libm,
 * no NaN), so every engine computes the same bits; the checksum folds the
 * bit patterns of the final matrix and of the dot products.
 */
#include <stdint.h>

typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));

#define N 64
#define V (N / 4)
#define ROUNDS 40

static f32x4 a[N][V], b[N][V], c[N][V];

static uint32_t lcg_state;

static float next_unit(void) {
    lcg_state = lcg_state * 1103515245u + 12345u;
    /* 16 random bits as a float in [-1, 1). */
    return (float)(int32_t)((lcg_state >> 16) & 0xffff) / 32768.0f - 1.0f;
}

static void multiply(void) {
    for (int i = 0; i < N; i++) {
        f32x4 row[V];
        for (int j = 0; j < V; j++) row[j] = (f32x4){0, 0, 0, 0};
        for (int k = 0; k < N; k++) {
            float aik = a[i][k / 4][k % 4];
            f32x4 s = {aik, aik, aik, aik};
            for (int j = 0; j < V; j++) row[j] += s * b[k][j];
        }
        for (int j = 0; j < V; j++) c[i][j] = row[j];
    }
}

/* A = C with each row divided by its largest magnitude (plus one). */
static void renormalize(void) {
    for (int i = 0; i < N; i++) {
        f32x4 max = {1, 1, 1, 1};
        for (int j = 0; j < V; j++) {
            f32x4 v = c[i][j];
            f32x4 mag = (f32x4)((u32x4)v & 0x7fffffffu);
            i32x4 bigger = mag > max;
            max = (f32x4)(((i32x4)mag & bigger) | ((i32x4)max & ~bigger));
        }
        float m = max[0];
        for (int l = 1; l < 4; l++)
            if (max[l] > m) m = max[l];
        float scale = 1.0f / m;
        f32x4 s = {scale, scale, scale, scale};
        for (int j = 0; j < V; j++) a[i][j] = c[i][j] * s;
    }
}

/* The dot product of rows x and y of A, with four partial sums. */
static float dot(int x, int y) {
    f32x4 acc = {0, 0, 0, 0};
    for (int j = 0; j < V; j++) acc += a[x][j] * a[y][j];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

static uint32_t float_bits(float f) {
    union { float f; uint32_t u; } v = {f};
    return v.u;
}

int64_t run(void) {
    lcg_state = 42;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j / 4][j % 4] = next_unit();
            b[i][j / 4][j % 4] = next_unit() * 0.5f;
        }
    uint64_t sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        multiply();
        renormalize();
        for (int i = 0; i < N; i++) sum = sum * 31 + float_bits(dot(i, (i + r) % N));
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) sum = (sum ^ float_bits(a[i][j / 4][j % 4])) * 0x100000001b3ull;
    return (int64_t)sum;
}
