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
