#include "sort.h"

#include <stdlib.h>
#include <string.h>

int pv_sort_ids(uint32_t *ids, size_t n, pv_id_compare compare, const void *context)
{
    if (n < 2) return 0;
    uint32_t *scratch = malloc(n * sizeof *scratch);
    if (!scratch) return -1;
    /* Bottom-up: runs of width 1, 2, 4, ... merged from src into dst, which
     * then swap; the result is copied back if it ends in scratch. */
    uint32_t *src = ids, *dst = scratch;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = compare(context, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != ids) memcpy(ids, src, n * sizeof *ids);
    free(scratch);
    return 0;
}

uint64_t pv_sort_key_of_double(double d)
{
    if (d != d || d == 0) d = 0;
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

/* The LSD radix sort of pv_sort_key_items, with the caller's scratch of n
 * items. One pass counts all eight bytes; a byte that is the same in every
 * key costs nothing more, and the others each move the items once, between
 * items and tmp in turn (copied back at the end if they end in tmp). */
static void radix_items(pv_key_item *items, size_t n, pv_key_item *tmp)
{
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = items[i].key;
        for (int b = 0; b < 8; b++)
            count[b][(k >> (8 * b)) & 0xff]++;
    }
    pv_key_item *src = items, *dst = tmp;
    uint64_t first = items[0].key;
    for (int b = 0; b < 8; b++) {
        size_t *c = count[b];
        if (c[(first >> (8 * b)) & 0xff] == n) continue; /* one bucket: no-op */
        size_t at = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = c[v];
            c[v] = at;
            at += k;
        }
        int shift = 8 * b;
        for (size_t i = 0; i < n; i++)
            dst[c[(src[i].key >> shift) & 0xff]++] = src[i];
        pv_key_item *t = src;
        src = dst;
        dst = t;
    }
    if (src != items) memcpy(items, src, n * sizeof *items);
}

int pv_sort_key_items(pv_key_item *items, size_t n)
{
    if (n < 2) return 0;
    pv_key_item *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return -1;
    radix_items(items, n, tmp);
    free(tmp);
    return 0;
}

/* ---- Text ---------------------------------------------------------------- */

/* Runs up to this long are sorted by string comparisons (insertion sort);
 * longer ones by slices, compared (qsort) below TEXT_RADIX_RUN, radix
 * sorted from there on. */
#define TEXT_SMALL_RUN 24
#define TEXT_RADIX_RUN 64
#define TEXT_AHEAD 16 /* items ahead whose string is asked for */

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Key, then id: the order radix_items() gives. */
static int compare_key_items(const void *pa, const void *pb)
{
    const pv_key_item *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

typedef struct text_sort {
    const char *const *text; /* by input position */
    const uint32_t *ids;     /* by input position */
    pv_id_compare tie;
    const void *context;
} text_sort;

/* Bytes depth..depth+7 of s as a big-endian number, zeros after its end
 * (strlen(s) >= depth). */
static uint64_t text_slice(const char *s, size_t depth)
{
    const unsigned char *t = (const unsigned char *)s + depth;
    uint64_t v = 0;
    size_t i = 0;
    for (; i < 8 && t[i]; i++)
        v = v << 8 | t[i];
    return i == 8 ? v : i ? v << (8 * (8 - i)) : 0;
}

/* Input positions a and b whose strings agree before depth: the rest of the
 * strings, then tie, then the positions. */
static int text_compare(const text_sort *ts, uint32_t a, uint32_t b, size_t depth)
{
    int c = strcmp(ts->text[a] + depth, ts->text[b] + depth);
    if (c == 0 && ts->tie) c = ts->tie(ts->context, ts->ids[a], ts->ids[b]);
    return c ? c : (a > b) - (a < b);
}

static int tie_compare(const void *context, uint32_t a, uint32_t b)
{
    const text_sort *ts = context;
    int c = ts->tie ? ts->tie(ts->context, ts->ids[a], ts->ids[b]) : 0;
    return c ? c : (a > b) - (a < b);
}

typedef struct text_run {
    size_t lo, hi, depth;
} text_run;

int pv_sort_ids_by_text(uint32_t *ids, const char *const *text, size_t n, pv_id_compare tie,
                        const void *context)
{
    if (n < 2) return 0;
    if (n > UINT32_MAX) return -1;
    text_sort ts = {text, ids, tie, context};
    pv_key_item *items = malloc(n * sizeof *items);
    pv_key_item *tmp = malloc(n * sizeof *tmp);
    uint32_t *pos = malloc(n * sizeof *pos);
    /* Runs still to sort: each is at most half of the one it came from or
     * deeper in its strings, and they are taken last first, so the list
     * stays short unless the strings are long. */
    size_t nruns = 0, runs_cap = 64;
    text_run *runs = malloc(runs_cap * sizeof *runs);
    int rc = -1;
    if (!items || !tmp || !pos || !runs) goto done;
    for (size_t i = 0; i < n; i++)
        items[i] = (pv_key_item){0, (uint32_t)i};
    runs[nruns++] = (text_run){0, n, 0};
    while (nruns > 0) {
        text_run run = runs[--nruns];
        pv_key_item *it = items + run.lo;
        size_t len = run.hi - run.lo;
        if (len <= TEXT_SMALL_RUN) {
            for (size_t i = 1; i < len; i++) {
                pv_key_item x = it[i];
                size_t j = i;
                for (; j > 0 && text_compare(&ts, it[j - 1].id, x.id, run.depth) > 0; j--)
                    it[j] = it[j - 1];
                it[j] = x;
            }
            continue;
        }
        /* The strings lie anywhere: ask for them some items ahead. */
        for (size_t i = 0; i < len; i++) {
            if (i + 2 * TEXT_AHEAD < len) PREFETCH(&text[it[i + 2 * TEXT_AHEAD].id]);
            if (i + TEXT_AHEAD < len) PREFETCH(text[it[i + TEXT_AHEAD].id] + run.depth);
            it[i].key = text_slice(text[it[i].id], run.depth);
        }
        /* A radix sort costs eight counting passes whatever the length. */
        if (len >= TEXT_RADIX_RUN)
            radix_items(it, len, tmp);
        else
            qsort(it, len, sizeof *it, compare_key_items);
        for (size_t a = 0; a < len;) {
            size_t b = a + 1;
            while (b < len && it[b].key == it[a].key)
                b++;
            if (b - a > 1 && (it[a].key & 0xff) == 0) {
                /* The strings end here: equal, ordered by tie. Every sort
                 * above kept equal keys in input order, so without a tie
                 * they are in order already. */
                if (!tie) {
                    a = b;
                    continue;
                }
                for (size_t i = a; i < b; i++)
                    pos[i - a] = it[i].id;
                if (pv_sort_ids(pos, b - a, tie_compare, &ts) != 0) goto done;
                for (size_t i = a; i < b; i++)
                    it[i].id = pos[i - a];
            } else if (b - a > 1) {
                if (nruns == runs_cap) {
                    text_run *p = realloc(runs, 2 * runs_cap * sizeof *runs);
                    if (!p) goto done;
                    runs = p;
                    runs_cap *= 2;
                }
                runs[nruns++] = (text_run){run.lo + a, run.lo + b, run.depth + 8};
            }
            a = b;
        }
    }
    for (size_t i = 0; i < n; i++)
        pos[i] = ids[items[i].id];
    memcpy(ids, pos, n * sizeof *ids);
    rc = 0;
done:
    free(items);
    free(tmp);
    free(pos);
    free(runs);
    return rc;
}
