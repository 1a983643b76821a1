/* A mixed workload in the spirit of CoreMark (written for weft, not taken
 * from CoreMark): each iteration runs four kernels over shared data and
 * folds their results into a CRC-16, which becomes the next iteration's
 * seed, so no kernel can be skipped or hoisted.
 *
 * - list: a singly linked list of 400 records kept in one pool; find
 *   records by value, reverse the list, and merge-sort it by value then
 *   back by index (pointer chasing, unpredictable branches);
 * - matrix: 24x24 int16 matrices; add a constant, multiply by a constant,
 *   by a vector and by a matrix, and fold bit fields of the products;
 * - state machine: classify the tokens of a generated text as integers,
 *   decimals, exponent numbers or invalid, one character at a time through
 *   a `switch` (a `br_table`);
 * - CRC-16 (CCITT, bit by bit) over everything the kernels produced.
 */
#include <stdint.h>
#include <stdlib.h>

#define ITERATIONS 140

/* ---- CRC ---- */

static uint16_t crc8(uint8_t data, uint16_t crc) {
    for (int i = 0; i < 8; i++) {
        uint8_t x = (uint8_t)((data & 1) ^ (crc & 1));
        data >>= 1;
        crc >>= 1;
        if (x) crc ^= 0xa001;
    }
    return crc;
}

static uint16_t crc16(uint16_t v, uint16_t crc) {
    return crc8((uint8_t)(v >> 8), crc8((uint8_t)v, crc));
}

static uint16_t crc32w(uint32_t v, uint16_t crc) {
    return crc16((uint16_t)(v >> 16), crc16((uint16_t)v, crc));
}

/* ---- list ---- */

#define LIST_LEN 400

struct rec {
    struct rec *next;
    int16_t value;
    int16_t index;
};

static struct rec *pool;

static struct rec *list_build(uint16_t seed) {
    struct rec *head = 0;
    for (int i = LIST_LEN - 1; i >= 0; i--) {
        struct rec *r = &pool[i];
        seed = (uint16_t)(seed * 25173u + 13849u);
        r->value = (int16_t)(seed & 0x3fff);
        r->index = (int16_t)i;
        r->next = head;
        head = r;
    }
    return head;
}

static struct rec *list_find(struct rec *list, int16_t value) {
    while (list && list->value != value) list = list->next;
    return list;
}

static struct rec *list_reverse(struct rec *list) {
    struct rec *prev = 0;
    while (list) {
        struct rec *next = list->next;
        list->next = prev;
        prev = list;
        list = next;
    }
    return prev;
}

typedef int (*rec_cmp)(const struct rec *, const struct rec *);

static int by_value(const struct rec *a, const struct rec *b) {
    return a->value != b->value ? a->value - b->value : a->index - b->index;
}

static int by_index(const struct rec *a, const struct rec *b) {
    return a->index - b->index;
}

/* Bottom-up merge sort of a linked list (no recursion, no allocation). */
static struct rec *list_sort(struct rec *list, rec_cmp cmp) {
    for (int width = 1;; width *= 2) {
        struct rec *p = list, *tail = 0;
        list = 0;
        int merges = 0;
        while (p) {
            merges++;
            struct rec *q = p;
            int psize = 0;
            for (int i = 0; i < width && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                struct rec *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail) tail->next = e;
                else list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1) return list;
    }
}

static uint16_t list_kernel(uint16_t seed) {
    struct rec *list = list_build(seed);
    uint16_t crc = 0;
    for (int i = 0; i < 64; i++) {
        struct rec *r = list_find(list, (int16_t)((seed + i * 97) & 0x3fff));
        crc = crc16(r ? (uint16_t)r->index : 0xffff, crc);
        if (i % 16 == 0) list = list_reverse(list);
    }
    list = list_sort(list, by_value);
    for (struct rec *r = list; r; r = r->next) crc = crc16((uint16_t)r->value, crc);
    list = list_sort(list, by_index);
    for (int i = 0; list && i < 32; i++, list = list->next) crc = crc16((uint16_t)list->index, crc);
    return crc;
}

/* ---- matrix ---- */

#define M 24

static int16_t ma[M][M], mb[M][M];
static int32_t mc[M][M], mv[M];

static uint16_t matrix_kernel(uint16_t seed) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            seed = (uint16_t)(seed * 25173u + 13849u);
            ma[i][j] = (int16_t)((seed >> 4) & 0x3ff) - 0x200;
            mb[i][j] = (int16_t)((seed >> 2) & 0x7f);
        }
    int16_t k = (int16_t)(seed & 0xff);
    uint16_t crc = 0;
    /* add a constant, multiply by a constant */
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) ma[i][j] = (int16_t)(ma[i][j] + k);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) mc[i][j] = (int32_t)ma[i][j] * k;
    for (int i = 0; i < M; i++) crc = crc32w((uint32_t)mc[i][i], crc);
    /* multiply by a vector (the first row of B) */
    for (int i = 0; i < M; i++) {
        int32_t s = 0;
        for (int j = 0; j < M; j++) s += (int32_t)ma[i][j] * mb[0][j];
        mv[i] = s;
        crc = crc32w((uint32_t)s, crc);
    }
    /* multiply by a matrix, folding bit fields of each product */
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            int32_t s = 0, bits = 0;
            for (int x = 0; x < M; x++) {
                int32_t p = (int32_t)ma[i][x] * mb[x][j];
                s += p;
                bits += (p >> 2) & 0xf;
            }
            mc[i][j] = s + bits * (mv[j] & 7);
        }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) crc = crc16((uint16_t)mc[i][j], crc);
    return crc;
}

/* ---- state machine ---- */

enum state { START, INT, SIGN, DEC_POINT, DECIMAL, EXP, EXP_SIGN, SCI, INVALID, NSTATES };

#define TEXT_LEN 1600
static char text[TEXT_LEN + 1];
static const char alphabet[] = "0123456789012345678+-.eE,,,x";

static void text_build(uint16_t seed) {
    for (int i = 0; i < TEXT_LEN; i++) {
        seed = (uint16_t)(seed * 25173u + 13849u);
        text[i] = alphabet[(seed >> 6) % (sizeof alphabet - 1)];
    }
    text[TEXT_LEN] = 0;
}

static enum state step(enum state s, char c) {
    int digit = c >= '0' && c <= '9';
    switch (s) {
    case START:
        if (digit) return INT;
        if (c == '+' || c == '-') return SIGN;
        if (c == '.') return DEC_POINT;
        return INVALID;
    case SIGN:
        if (digit) return INT;
        if (c == '.') return DEC_POINT;
        return INVALID;
    case INT:
        if (digit) return INT;
        if (c == '.') return DEC_POINT;
        if (c == 'e' || c == 'E') return EXP;
        return INVALID;
    case DEC_POINT:
        if (digit) return DECIMAL;
        return INVALID;
    case DECIMAL:
        if (digit) return DECIMAL;
        if (c == 'e' || c == 'E') return EXP;
        return INVALID;
    case EXP:
        if (c == '+' || c == '-') return EXP_SIGN;
        if (digit) return SCI;
        return INVALID;
    case EXP_SIGN:
        if (digit) return SCI;
        return INVALID;
    case SCI:
        if (digit) return SCI;
        return INVALID;
    default:
        return INVALID;
    }
}

static uint16_t state_kernel(uint16_t seed) {
    text_build(seed);
    uint32_t final_counts[NSTATES] = {0}, transitions[NSTATES] = {0};
    enum state s = START;
    for (const char *p = text; *p; p++) {
        if (*p == ',') {
            final_counts[s]++;
            s = START;
            continue;
        }
        enum state next = step(s, *p);
        if (next != s) transitions[next]++;
        s = next;
    }
    final_counts[s]++;
    uint16_t crc = 0;
    for (int i = 0; i < NSTATES; i++) crc = crc32w(final_counts[i] * 65536u + transitions[i], crc);
    return crc;
}

int64_t run(void) {
    pool = malloc(LIST_LEN * sizeof *pool);
    uint16_t seed = 0x3415, crc = 0;
    uint64_t sum = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        crc = crc16(list_kernel(seed), crc);
        crc = crc16(matrix_kernel(seed ^ crc), crc);
        crc = crc16(state_kernel(seed + crc), crc);
        seed = (uint16_t)(seed * 31 + crc);
        sum = sum * 65599 + crc;
    }
    free(pool);
    return (int64_t)sum;
}
