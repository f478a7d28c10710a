/* builder_internal.h: the builder's state, shared by builder.c (keys,
 * entries, callers as they arrive) and builder_finish.c (merging keys,
 * keeping the last entries, callees, roots and totals).
 *
 * Everything here belongs to the builder until pv_builder_finish(): the
 * function records, edges and its arena pass to the profile then, the rest
 * is freed with the builder (pv_builder_free).
 */
#ifndef PV_BUILDER_INTERNAL_H
#define PV_BUILDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "profile.h"

#define EMPTY_SLOT 0 /* so that a fresh table is calloc's zero pages */
#define NO_ENTRY UINT32_MAX

typedef struct entry {
    uint32_t function;
    uint32_t first_edge; /* its callers run to the next entry's first edge */
    int64_t ncalls, pcalls;
    double tottime, cumtime; /* finish() gives the last entry's numbers to its function */
} entry;

typedef struct file_slot {
    const char *file; /* NULL when empty */
    size_t len;
    uint64_t hash;
} file_slot;

struct pv_builder {
    pv_arena *arena;

    pv_function *functions;
    uint64_t *hashes;    /* each key's hash, so that finish() need not read the key again */
    uint32_t *scratch_a; /* counters for finish(), one per function */
    uint32_t *scratch_b;
    size_t nfunctions, functions_cap;
    bool added_keys; /* some ids came from pv_builder_add_key: finish() merges them */

    /* Open addressing: EMPTY_SLOT, or a function's 32-bit hash above id + 1.
     * Probes compare hashes in the table itself, so that a miss reads no
     * function record; the hash also gives the slot when the table grows. */
    uint64_t *function_table;
    size_t function_table_cap, table_entries;

    file_slot *file_table;
    size_t nfiles, file_table_cap;

    pv_edge *edges;
    size_t nedges, edges_cap;

    entry *entries; /* in file order: pstats' dict order */
    size_t nentries, entries_cap;

    uint32_t current; /* function of the open entry, or NO_ENTRY */
    bool drop_edges;
};

#endif
