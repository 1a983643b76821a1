/* A malloc-heavy data structure: wasi-libc's malloc and free (dlmalloc)
 * under two allocation patterns.
 *
 * 1. Binary trees, as in the "binary-trees" benchmark: many short-lived
 *    complete trees of depth 4..12 built node by node and freed, while one
 *    long-lived tree stays allocated.
 * 2. A chained hash map from u32 keys to heap-allocated values of varying
 *    size: inserts, lookups and deletes mixed, so freed blocks of several
 *    sizes are reused and the bucket array is reallocated as it grows.
 *
 * The checksum counts nodes and sums what the lookups found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *left, *right;
    uint32_t value;
};

static struct node *tree(int depth, uint32_t value) {
    struct node *n = malloc(sizeof *n);
    n->value = value;
    if (depth > 0) {
        n->left = tree(depth - 1, 2 * value);
        n->right = tree(depth - 1, 2 * value + 1);
    } else {
        n->left = n->right = 0;
    }
    return n;
}

static uint64_t check(const struct node *n) {
    if (!n->left) return n->value;
    return n->value + check(n->left) - check(n->right) + 1;
}

static void release(struct node *n) {
    if (n->left) {
        release(n->left);
        release(n->right);
    }
    free(n);
}

struct entry {
    struct entry *next;
    uint32_t key;
    uint32_t len;
    unsigned char *data;
};

struct map {
    struct entry **buckets;
    uint32_t nbuckets, count;
};

static uint32_t mix(uint32_t k) {
    k ^= k >> 16;
    k *= 0x7feb352du;
    k ^= k >> 15;
    k *= 0x846ca68bu;
    return k ^ (k >> 16);
}

static void grow(struct map *m) {
    uint32_t n = m->nbuckets ? m->nbuckets * 2 : 16;
    struct entry **b = calloc(n, sizeof *b);
    for (uint32_t i = 0; i < m->nbuckets; i++) {
        struct entry *e = m->buckets[i];
        while (e) {
            struct entry *next = e->next;
            uint32_t h = mix(e->key) & (n - 1);
            e->next = b[h];
            b[h] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

static struct entry **find(struct map *m, uint32_t key) {
    struct entry **p = &m->buckets[mix(key) & (m->nbuckets - 1)];
    while (*p && (*p)->key != key) p = &(*p)->next;
    return p;
}

static void put(struct map *m, uint32_t key, uint32_t len) {
    if (m->count + 1 > m->nbuckets / 4 * 3) grow(m);
    struct entry **p = find(m, key);
    struct entry *e = *p;
    if (!e) {
        e = malloc(sizeof *e);
        e->next = 0;
        e->key = key;
        e->data = 0;
        *p = e;
        m->count++;
    }
    free(e->data);
    e->data = malloc(len);
    e->len = len;
    for (uint32_t i = 0; i < len; i++) e->data[i] = (unsigned char)(key + i);
}

static uint64_t get(struct map *m, uint32_t key) {
    struct entry *e = *find(m, key);
    return e ? (uint64_t)e->len * 131 + e->data[e->len - 1] : 0;
}

static void del(struct map *m, uint32_t key) {
    struct entry **p = find(m, key);
    struct entry *e = *p;
    if (!e) return;
    *p = e->next;
    free(e->data);
    free(e);
    m->count--;
}

static void clear(struct map *m) {
    for (uint32_t i = 0; i < m->nbuckets; i++) {
        struct entry *e = m->buckets[i];
        while (e) {
            struct entry *next = e->next;
            free(e->data);
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    memset(m, 0, sizeof *m);
}

int64_t run(void) {
    uint64_t sum = 0;

    struct node *long_lived = tree(14, 1);
    for (int depth = 4; depth <= 12; depth += 2) {
        int iterations = 1 << (14 - depth);
        for (int i = 0; i < iterations; i++) {
            struct node *t = tree(depth, (uint32_t)i);
            sum += check(t);
            release(t);
        }
    }
    sum += check(long_lived);
    release(long_lived);

    struct map m = {0};
    grow(&m);
    uint32_t x = 12345;
    for (int i = 0; i < 60000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t key = (x >> 8) % 20000;
        switch ((x >> 4) & 3) {
        case 0:
        case 1:
            put(&m, key, 1 + (x >> 24) % 96);
            break;
        case 2:
            sum = sum * 3 + get(&m, key);
            break;
        default:
            del(&m, key);
        }
    }
    sum += m.count;
    clear(&m);
    return (int64_t)sum;
}
