/* bigmem.h: hints for the large arrays a parse grows.
 *
 * Parsing a large profile reads and writes a few tables at random places:
 * the function table, the marshal reader's reference slots and the feed's
 * map of what was fed with each slot. With 4 KiB pages nearly every such access also misses
 * the TLB. Only such tables are hinted. Arrays written in order (function
 * records, entries, edges) are not: on a VM that hands freed memory back to
 * its host, a fresh huge page costs far more to fault in than 512 small ones
 * (`report` on a 300,000-function file after 10 s idle: 0.20 s median with
 * every large array hinted, 0.14 s with only the tables). pv_bigmem_hint()
 * asks the kernel to back the 2 MiB-aligned part of such an array with huge
 * pages where the system allows it (Linux' transparent huge pages in
 * "madvise" or "always" mode); elsewhere it does nothing. It changes neither
 * the contents nor the ownership of the memory: the caller still frees it as
 * it was allocated (malloc/realloc/calloc).
 */
#ifndef PV_BIGMEM_H
#define PV_BIGMEM_H

#include <stddef.h>

/* Below this size an array is left alone: it has no whole huge page. */
#define PV_BIGMEM_MIN ((size_t)4 << 20)

/* Hints that the bytes at p..p+len are accessed at random. Safe to call
 * again on the same or a grown array; a no-op for len < PV_BIGMEM_MIN. */
void pv_bigmem_hint(void *p, size_t len);

#endif
