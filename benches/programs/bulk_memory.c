/* Bulk memory: a text editor's gap buffer and a block allocator's arena,
 * driven so that nearly all the time is in memcpy/memmove/memset, which
 * `-mbulk-memory` lowers to `memory.copy` and `memory.fill`.
 *
 * Each round moves the gap of a 1 MiB gap buffer to a pseudo-random
 * position (one overlapping memmove of up to ~512 KiB), inserts a run of
 * text there (memset, then memcpy of a template), deletes a run
 * elsewhere, and copies a 64 KiB window of the buffer into a scratch
 * arena, clearing the arena's previous contents first. A few bytes are
 * sampled every round, and the whole buffer is hashed at the end.
 */
#include <stdint.h>
#include <string.h>

#define SIZE (1u << 20)
#define ROUNDS 3000
#define WINDOW (64u * 1024)

static unsigned char buf[SIZE];
static unsigned char arena[4 * WINDOW];
static unsigned char templ[4096];

static uint32_t gap_start, gap_end; /* the gap is buf[gap_start..gap_end) */
static uint32_t lcg_state;

static uint32_t next(void) {
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 8;
}

static uint32_t text_len(void) {
    return SIZE - (gap_end - gap_start);
}

/* Moves the gap so that it starts at text position `pos`. */
static void move_gap(uint32_t pos) {
    if (pos < gap_start) {
        uint32_t n = gap_start - pos;
        memmove(buf + gap_end - n, buf + pos, n);
        gap_start -= n;
        gap_end -= n;
    } else if (pos > gap_start) {
        uint32_t n = pos - gap_start;
        memmove(buf + gap_start, buf + gap_end, n);
        gap_start += n;
        gap_end += n;
    }
}

static void insert(uint32_t pos, uint32_t n, unsigned char fill) {
    move_gap(pos);
    if (n > gap_end - gap_start) n = gap_end - gap_start;
    memset(buf + gap_start, fill, n);
    uint32_t t = n < sizeof templ ? n : sizeof templ;
    memcpy(buf + gap_start + (n - t) / 2, templ, t);
    gap_start += n;
}

static void delete(uint32_t pos, uint32_t n) {
    move_gap(pos);
    uint32_t after = SIZE - gap_end;
    if (n > after) n = after;
    gap_end += n;
}

int64_t run(void) {
    lcg_state = 7;
    for (uint32_t i = 0; i < sizeof templ; i++) templ[i] = (unsigned char)(next() >> 5);
    memset(buf, 'a', SIZE);
    gap_start = SIZE / 4;
    gap_end = SIZE / 4 + SIZE / 8;
    uint64_t sum = 0;
    for (uint32_t r = 0; r < ROUNDS; r++) {
        /* One next() per statement: C leaves the order of evaluation of
         * arguments and operands unspecified (gcc and clang differ). */
        uint32_t pos = next() % (text_len() + 1);
        uint32_t n = 1024 + next() % 16384;
        insert(pos, n, (unsigned char)r);
        pos = next() % (text_len() + 1);
        n = 1024 + next() % 16384;
        delete(pos, n);
        /* Snapshot a window of the text into the arena. */
        uint32_t slot = (r % 4) * WINDOW;
        memset(arena + slot, 0, WINDOW);
        uint32_t from = next() % (SIZE - WINDOW);
        memcpy(arena + slot, buf + from, WINDOW - (r % 512));
        uint32_t sample_arena = next() % WINDOW;
        uint32_t sample_buf = next() % SIZE;
        sum = sum * 31 + arena[slot + sample_arena] + buf[sample_buf] + gap_start;
    }
    for (uint32_t i = 0; i < SIZE; i += 8) {
        uint64_t word;
        memcpy(&word, buf + i, 8);
        sum = (sum ^ word) * 0x100000001b3ull;
    }
    return (int64_t)sum;
}
