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

int pv_sort_key_items(pv_key_item *items, size_t n)
{
    if (n < 2) return 0;
    pv_key_item *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return -1;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((items[i].key >> shift) & 0xff) + 1]++;
        if (count[((items[0].key >> shift) & 0xff) + 1] == n) continue; /* one bucket: no-op */
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[(items[i].key >> shift) & 0xff]++] = items[i];
        memcpy(items, tmp, n * sizeof *items);
    }
    free(tmp);
    return 0;
}
