/* builder_finish.c: pv_builder_finish, the builder's last step.
 *
 * In order: keys added with pv_builder_add_key are merged (equal keys get the
 * id of the first; entries and edges are renumbered), each function keeps
 * its last entry and that entry's callers (a caller given twice keeps its
 * first place and its last numbers), callers are inverted into callees, and
 * roots and totals are found. When no ids were merged and every function
 * has one entry (real profiles), one pass over the edges checks that no
 * entry names a caller twice, gives each function its callers and counts
 * callees, and the edges are left where they are; only a repeat sends them
 * through the squeezing pass. The pass over the keys asks for the table
 * slot of a key some keys ahead, so that the slots of a large profile come
 * from memory while earlier keys are looked up.
 */
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "builder_internal.h"
#include "profile.h"
#include "sort.h"

static bool same_key(const pv_function *f, const pv_function *g)
{
    return f->file == g->file && f->line == g->line && strcmp(f->name, g->name) == 0;
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* How many keys ahead merge_keys() asks for a table slot. */
#define PREFETCH_AHEAD 16

/* Gives equal keys one id: the first key of each kind keeps its record, the
 * ids close up in order, and entries and edges are renumbered. final[] gets
 * each old id's new one. Returns 0, or -1 when out of memory. */
static int merge_keys(pv_builder *b, uint32_t *final)
{
    size_t n = b->nfunctions;
    size_t cap = 1024;
    while (cap * 3 < n * 4)
        cap *= 2;
    uint64_t *table = b->function_table;
    if (b->table_entries || b->function_table_cap < cap) {
        free(b->function_table);
        b->function_table = NULL;
        b->function_table_cap = 0;
        table = calloc(cap, sizeof *table);
        if (!table) return -1;
        pv_bigmem_hint(table, cap * sizeof *table);
        b->function_table = table;
        b->function_table_cap = cap;
    }
    cap = b->function_table_cap;
    b->table_entries = n; /* the table is spent either way */

    size_t mask = cap - 1;
    const uint64_t *tags = b->hashes;
    pv_function *functions = b->functions;
    uint32_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        if (k + PREFETCH_AHEAD < n) PREFETCH(&table[tags[k + PREFETCH_AHEAD] & mask]);
        uint64_t tag = tags[k];
        size_t j = tag & mask;
        uint32_t first = NO_ENTRY;
        for (; table[j] != EMPTY_SLOT; j = (j + 1) & mask) {
            uint64_t e = table[j];
            if (e >> 32 == tag && same_key(&functions[(uint32_t)e - 1], &functions[k])) {
                first = (uint32_t)e - 1;
                break;
            }
        }
        if (first != NO_ENTRY) {
            final[k] = final[first];
            continue;
        }
        table[j] = tag << 32 | (k + 1);
        final[k] = kept++;
    }
    if (kept == n) return 0;

    /* A key's first record only ever moves down. */
    uint32_t next = 0;
    for (size_t k = 0; k < n; k++)
        if (final[k] == next) functions[next++] = functions[k];
    b->nfunctions = kept;
    for (size_t k = 0; k < b->nentries; k++)
        b->entries[k].function = final[b->entries[k].function];
    for (size_t i = 0; i < b->nedges; i++) {
        b->edges[i].caller = final[b->edges[i].caller];
        b->edges[i].callee = final[b->edges[i].callee];
    }
    return 0;
}

/* Up to this many callers, an entry's repeated callers are found by
 * comparing each with those before it. */
#define SMALL_GROUP 8

/* Merges the callers given twice in edges [first, end) of one entry: the
 * first place, the last numbers, as when a Python dict is updated. mark and
 * mark_at are per function, mark never equal to stamp before this call (NULL
 * for a small group). Returns the new end of the group. */
static size_t merge_repeated_callers(pv_edge *edges, size_t first, size_t end, uint32_t *mark,
                                     uint32_t *mark_at, uint32_t stamp)
{
    size_t out = first;
    if (end - first <= SMALL_GROUP) {
        for (size_t i = first; i < end; i++) {
            size_t k = first;
            while (k < out && edges[k].caller != edges[i].caller)
                k++;
            edges[k < out ? k : out++] = edges[i];
        }
        return out;
    }
    for (size_t i = first; i < end; i++) {
        uint32_t caller = edges[i].caller;
        if (mark[caller] == stamp) {
            edges[mark_at[caller]] = edges[i];
            continue;
        }
        mark[caller] = stamp;
        mark_at[caller] = (uint32_t)out;
        edges[out++] = edges[i];
    }
    return out;
}

/* Keeps the last entry of each function: gives the function its numbers,
 * caller range, listed flag and external calls, and squeezes the caller
 * groups of replaced entries (and repeated callers) out of the edge array in
 * place (a live edge only ever moves to a lower index). last and counted are
 * scratch arrays of one counter per function. Sets *total_time to the sum
 * of tottime in pstats' order: each function once, at its first entry, with
 * the numbers of its last; floating-point sums depend on their order, and
 * this way the total is the very number pstats prints. renumbered says that
 * merge_keys() gave some ids a new one. Returns 1 when the edges are kept as
 * they came, with last[] counting each function's callees (see
 * keep_every_entry), 0 when they were squeezed, or -1 when out of memory. */
/* keep_last_entries() when every function has one entry and no ids were
 * merged: then, unless some entry names a caller twice, the edges stay as
 * they came, and one pass over them finds any repeat, gives each function
 * its numbers and callers and counts (in callees[], one counter per
 * function) the edges each function is the caller of. marks is scratch of
 * one counter per function, for large groups. Returns 1 when the edges were
 * kept as they came, or 0 at the first repeated caller (the function
 * records written so far are all written again by the caller, which then
 * squeezes the repeats out). */
static int keep_every_entry(pv_builder *b, uint32_t *callees, uint32_t *marks)
{
    const pv_edge *edges = b->edges;
    size_t n = b->nfunctions;
    for (size_t id = 0; id < n; id++)
        callees[id] = 0;
    bool marks_clear = false;
    for (size_t k = 0; k < b->nentries; k++) {
        const entry *e = &b->entries[k];
        size_t first = e->first_edge;
        size_t end = k + 1 < b->nentries ? b->entries[k + 1].first_edge : b->nedges;
        bool small = end - first <= SMALL_GROUP;
        if (!small && !marks_clear) {
            memset(marks, 0, n * sizeof *marks);
            marks_clear = true;
        }
        int64_t accounted = 0;
        for (size_t i = first; i < end; i++) {
            uint32_t caller = edges[i].caller;
            if (small) {
                for (size_t j = first; j < i; j++)
                    if (edges[j].caller == caller) return 0;
            } else {
                if (marks[caller] == (uint32_t)k + 1) return 0;
                marks[caller] = (uint32_t)k + 1;
            }
            callees[caller]++;
            accounted = pv_count_add(accounted, edges[i].ncalls);
        }
        pv_function *f = &b->functions[e->function];
        f->ncalls = e->ncalls;
        f->pcalls = e->pcalls;
        f->tottime = e->tottime;
        f->cumtime = e->cumtime;
        f->first_caller = (uint32_t)first;
        f->ncallers = (uint32_t)(end - first);
        f->listed = true;
        f->external_calls = e->ncalls - (accounted > e->ncalls ? e->ncalls : accounted);
    }
    return 1;
}

static int keep_last_entries(pv_builder *b, bool renumbered, uint32_t *last, uint32_t *counted,
                             double *total_time)
{
    for (size_t id = 0; id < b->nfunctions; id++)
        counted[id] = 0;
    size_t distinct = 0;
    for (size_t k = 0; k < b->nentries; k++) {
        uint32_t id = b->entries[k].function;
        distinct += !counted[id];
        counted[id] = 1;
        last[id] = (uint32_t)k;
    }
    double sum = 0;
    if (distinct == b->nentries) {
        for (size_t k = 0; k < b->nentries; k++)
            sum += b->entries[k].tottime;
    } else {
        for (size_t id = 0; id < b->nfunctions; id++)
            counted[id] = 0;
        for (size_t k = 0; k < b->nentries; k++) {
            uint32_t id = b->entries[k].function;
            if (!counted[id]) sum += b->entries[last[id]].tottime;
            counted[id] = 1;
        }
    }
    *total_time = sum;
    if (distinct == b->nentries && !renumbered) {
        if (keep_every_entry(b, last, counted)) return 1;
    }
    /* counted is free again: marks for large groups, stamped with entry + 1. */
    uint32_t *mark = counted, *mark_at = NULL;
    bool marks_clear = false;
    size_t kept = 0;
    for (size_t k = 0; k < b->nentries; k++) {
        const entry *e = &b->entries[k];
        /* With no repeated entry every entry is kept: last[] is not read. */
        if (distinct != b->nentries && last[e->function] != k) continue;
        size_t end = k + 1 < b->nentries ? b->entries[k + 1].first_edge : b->nedges;
        if (end - e->first_edge > SMALL_GROUP && !mark_at) {
            mark_at = malloc(b->nfunctions * sizeof *mark_at);
            if (!mark_at) return -1;
        }
        if (end - e->first_edge > SMALL_GROUP && !marks_clear) {
            memset(mark, 0, b->nfunctions * sizeof *mark);
            marks_clear = true;
        }
        end = merge_repeated_callers(b->edges, e->first_edge, end, mark, mark_at, (uint32_t)k + 1);
        size_t n = end - e->first_edge;
        int64_t accounted = 0;
        for (size_t i = e->first_edge; i < end; i++) {
            accounted = pv_count_add(accounted, b->edges[i].ncalls);
        }
        if (n && kept != e->first_edge)
            memmove(&b->edges[kept], &b->edges[e->first_edge], n * sizeof *b->edges);
        pv_function *f = &b->functions[e->function];
        f->ncalls = e->ncalls;
        f->pcalls = e->pcalls;
        f->tottime = e->tottime;
        f->cumtime = e->cumtime;
        f->first_caller = (uint32_t)kept;
        f->ncallers = (uint32_t)n;
        f->listed = true;
        f->external_calls = e->ncalls - (accounted > e->ncalls ? e->ncalls : accounted);
        kept += n;
    }
    free(mark_at);
    b->nedges = kept;
    return 0;
}

static int by_cumtime_desc(const void *context, uint32_t a, uint32_t b)
{
    const pv_function *functions = context;
    double x = functions[a].cumtime, y = functions[b].cumtime;
    if (x != y) return x > y ? -1 : 1;
    return a < b ? -1 : a > b;
}

pv_profile *pv_builder_finish(pv_builder *b, pv_error *err)
{
    pv_profile *profile = NULL;
    uint32_t *callee_edges = NULL, *roots = NULL;

    size_t scratch = (b->nfunctions ? b->nfunctions : 1) * sizeof(uint32_t);
    b->scratch_a = malloc(scratch);
    b->scratch_b = malloc(scratch);
    if (!b->scratch_a || !b->scratch_b) goto fail;
    size_t added = b->nfunctions;
    if (b->added_keys && merge_keys(b, b->scratch_a) != 0) goto fail;
    double total_time = 0;
    int as_they_came =
        keep_last_entries(b, b->nfunctions != added, b->scratch_a, b->scratch_b, &total_time);
    if (as_they_came < 0) goto fail;
    size_t n = b->nfunctions;
    pv_function *functions = b->functions;

    /* Callees: a counting sort of the edges by caller, counted in a small
     * array rather than in the function records, which lie far apart (or
     * counted already, when the edges were kept as they came). */
    callee_edges = malloc((b->nedges ? b->nedges : 1) * sizeof *callee_edges);
    if (!callee_edges) goto fail;
    uint32_t *next_slot = as_they_came ? b->scratch_a : b->scratch_b;
    if (!as_they_came) {
        for (size_t id = 0; id < n; id++)
            next_slot[id] = 0;
        for (size_t i = 0; i < b->nedges; i++)
            next_slot[b->edges[i].caller]++;
    }
    uint32_t start = 0;
    for (size_t id = 0; id < n; id++) {
        functions[id].first_callee = start;
        functions[id].ncallees = next_slot[id];
        next_slot[id] = start;
        start += functions[id].ncallees;
    }
    for (size_t i = 0; i < b->nedges; i++)
        callee_edges[next_slot[b->edges[i].caller]++] = (uint32_t)i;

    /* Roots and totals. */
    size_t nroots = 0;
    int64_t total_calls = 0, primitive_calls = 0;
    for (size_t id = 0; id < n; id++) {
        pv_function *f = &functions[id];
        f->is_root = !b->drop_edges && (f->ncallers == 0 || f->external_calls > 0);
        if (f->is_root) nroots++;
        if (f->listed) {
            total_calls = pv_count_add(total_calls, f->ncalls);
            primitive_calls = pv_count_add(primitive_calls, f->pcalls);
        }
    }
    roots = malloc((nroots ? nroots : 1) * sizeof *roots);
    if (!roots) goto fail;
    nroots = 0;
    for (size_t id = 0; id < n; id++)
        if (functions[id].is_root) roots[nroots++] = (uint32_t)id;
    if (pv_sort_ids(roots, nroots, by_cumtime_desc, functions) != 0) goto fail;

    profile = pv_arena_alloc(b->arena, sizeof *profile);
    if (!profile) goto fail;
    *profile = (pv_profile){
        .arena = b->arena,
        .functions = functions,
        .nfunctions = (uint32_t)n,
        .edges = b->edges,
        .nedges = (uint32_t)b->nedges,
        .callee_edges = callee_edges,
        .roots = roots,
        .has_edges = !b->drop_edges,
        .nroots = (uint32_t)nroots,
        .total_calls = total_calls,
        .primitive_calls = primitive_calls,
        .total_time = total_time,
    };
    /* Hand the big arrays to the arena; on failure adopt() frees the block,
     * so a NULL field here means it is already gone. */
    if (n && b->functions_cap > n) {
        void *shrunk = realloc(functions, n * sizeof *functions);
        if (shrunk) profile->functions = functions = shrunk;
    }
    int failed = 0;
    failed |= pv_arena_adopt(b->arena, functions);
    b->functions = NULL;
    failed |= pv_arena_adopt(b->arena, b->edges);
    b->edges = NULL;
    failed |= pv_arena_adopt(b->arena, callee_edges);
    callee_edges = NULL;
    failed |= pv_arena_adopt(b->arena, roots);
    roots = NULL;
    b->arena = NULL; /* the profile owns it now, or frees it below */
    if (failed) {
        pv_arena_free(profile->arena);
        profile = NULL;
        goto fail;
    }
    pv_builder_free(b);
    return profile;

fail:
    free(callee_edges);
    free(roots);
    pv_builder_free(b);
    pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    return NULL;
}
