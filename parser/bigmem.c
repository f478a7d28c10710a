/* bigmem.c: see bigmem.h. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "bigmem.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

void pv_bigmem_hint(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    if (!p || len < PV_BIGMEM_MIN) return;
    /* The whole pages the array touches, not only its aligned huge pages:
     * a hint on part of a mapping splits it in two, and realloc can then no
     * longer grow it in place with mremap but copies it. */
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return;
    uintptr_t start = (uintptr_t)p & ~((uintptr_t)page - 1);
    uintptr_t end = ((uintptr_t)p + len + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    /* A refusal (an old kernel, THP off) leaves ordinary pages: fine. */
    if (end > start) (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}
