/* Recursion and indirect calls: a generic quicksort that compares through
 * a function pointer (a `call_indirect` per comparison), sorting 40 000
 * records by three different keys in turn, and after two of them a
 * recursive binary search for every third record. Insertion sort
 * finishes short ranges.
 */
#include <stdint.h>
#include <string.h>

#define COUNT 40000

struct rec {
    uint32_t key;
    int32_t score;
    uint16_t group;
    uint16_t id;
};

typedef int (*cmp_fn)(const void *, const void *);

static struct rec recs[COUNT];

static int by_key(const void *a, const void *b) {
    uint32_t x = ((const struct rec *)a)->key, y = ((const struct rec *)b)->key;
    return (x > y) - (x < y);
}

static int by_score_desc(const void *a, const void *b) {
    int32_t x = ((const struct rec *)a)->score, y = ((const struct rec *)b)->score;
    return (x < y) - (x > y);
}

static int by_group_then_id(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void swap(struct rec *a, struct rec *b) {
    struct rec t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(struct rec *v, int n, cmp_fn cmp) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cmp(&v[j - 1], &v[j]) > 0; j--) swap(&v[j - 1], &v[j]);
}

static void quicksort(struct rec *v, int n, cmp_fn cmp) {
    while (n > 12) {
        /* median of three to the front as the pivot */
        int mid = n / 2;
        if (cmp(&v[mid], &v[0]) < 0) swap(&v[mid], &v[0]);
        if (cmp(&v[n - 1], &v[0]) < 0) swap(&v[n - 1], &v[0]);
        if (cmp(&v[n - 1], &v[mid]) < 0) swap(&v[n - 1], &v[mid]);
        swap(&v[0], &v[mid]);
        int i = 1, j = n - 1;
        for (;;) {
            while (i <= j && cmp(&v[i], &v[0]) < 0) i++;
            while (i <= j && cmp(&v[j], &v[0]) > 0) j--;
            if (i >= j) break;
            swap(&v[i++], &v[j--]);
        }
        swap(&v[0], &v[j]);
        /* recurse into the smaller side, loop on the larger */
        if (j < n - j - 1) {
            quicksort(v, j, cmp);
            v += j + 1;
            n -= j + 1;
        } else {
            quicksort(v + j + 1, n - j - 1, cmp);
            n = j;
        }
    }
    insertion_sort(v, n, cmp);
}

static int search(const struct rec *v, int lo, int hi, const struct rec *want, cmp_fn cmp) {
    if (lo >= hi) return -1;
    int mid = lo + (hi - lo) / 2;
    int c = cmp(&v[mid], want);
    if (c == 0) return mid;
    return c < 0 ? search(v, mid + 1, hi, want, cmp) : search(v, lo, mid, want, cmp);
}

static const cmp_fn orders[] = {by_key, by_score_desc, by_group_then_id};

int64_t run(void) {
    uint32_t x = 2463534242u;
    for (int i = 0; i < COUNT; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        recs[i].key = x;
        recs[i].score = (int32_t)(x % 200001) - 100000;
        recs[i].group = (uint16_t)(x >> 27);
        recs[i].id = (uint16_t)i;
    }
    uint64_t sum = 0;
    for (int o = 0; o < 3; o++) {
        cmp_fn cmp = orders[o];
        quicksort(recs, COUNT, cmp);
        for (int i = 0; i < COUNT; i += 97) sum = sum * 31 + recs[i].id;
        /* every record is found by its own key after sorting by it */
        if (cmp == by_key || cmp == by_group_then_id)
            for (int i = 0; i < COUNT; i += 3) {
                struct rec want;
                memcpy(&want, &recs[i], sizeof want);
                sum += (uint64_t)search(recs, 0, COUNT, &want, cmp) + 1;
            }
    }
    return (int64_t)sum;
}
