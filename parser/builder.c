/* builder.c: turning stats entries into a finished pv_profile.
 *
 * Entries arrive one at a time, each followed by its callers, so the callers of
 * one entry are appended as one contiguous group of edges, and the entry
 * itself is noted as (function, first edge) in entry order. A repeated entry
 * simply starts a new group; finish() keeps each function's last one and
 * squeezes the dead groups out in place. While entries arrive, the function
 * table is only written, never read: ids come in no useful order, and on a
 * 300,000-function file every read of a function record would be a cache
 * miss. finish() does its bookkeeping in small arrays of counters instead.
 */
#include "profile.h"
#include "sort.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY_SLOT 0 /* so that a fresh table is calloc's zero pages */
#define NO_ENTRY UINT32_MAX

typedef struct entry {
    uint32_t function;
    uint32_t first_edge; /* its callers run to the next entry's first edge */
    int64_t ncalls;      /* copies, so that finish() reads entries in order */
    double tottime;
} entry;

typedef struct file_slot {
    const char *file; /* NULL when empty */
    size_t len;
    uint64_t hash;
} file_slot;

struct pv_builder {
    pv_arena *arena;

    pv_function *functions;
    uint32_t *seen_in_entry; /* entry number in which the function last appeared as a caller */
    uint32_t *seen_at;       /* ...and the index of that edge */
    size_t nfunctions, functions_cap;

    /* Open addressing: EMPTY_SLOT, or a function's 32-bit hash above id + 1.
     * Probes compare hashes in the table itself, so that a miss reads no
     * function record; the hash also gives the slot when the table grows. */
    uint64_t *function_table;
    size_t function_table_cap;

    file_slot *file_table;
    size_t nfiles, file_table_cap;

    pv_edge *edges;
    size_t nedges, edges_cap;

    entry *entries; /* in file order: pstats' dict order */
    size_t nentries, entries_cap;

    uint32_t current; /* function of the open entry, or NO_ENTRY */
    bool drop_edges;
};

/* A word at a time: names and file names are hashed once per function of a
 * large profile, so a byte-at-a-time hash shows up in profiles of profviz. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    h = (h ^ tail ^ (uint64_t)len << 56) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 32);
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

#define HASH_SEED 0xcbf29ce484222325ull

static int oom(pv_error *err)
{
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
}

/* Grows *array of *cap elements of size elem to hold at least need. */
static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t fresh = *cap ? *cap : 64;
    while (fresh < need) {
        if (fresh > SIZE_MAX / 2 / elem) return -1;
        fresh *= 2;
    }
    void *p = realloc(*array, fresh * elem);
    if (!p) return -1;
    *array = p;
    *cap = fresh;
    return 0;
}

pv_builder *pv_builder_new(void)
{
    pv_builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->arena = pv_arena_new();
    if (!b->arena) {
        free(b);
        return NULL;
    }
    b->current = NO_ENTRY;
    return b;
}

void pv_builder_expect(pv_builder *b, size_t functions)
{
    if (b->function_table_cap || functions > (SIZE_MAX >> 4)) return;
    size_t cap = 1024;
    while (cap * 3 < functions * 4)
        cap *= 2;
    /* A calloc'd table costs nothing until touched. */
    b->function_table = calloc(cap, sizeof *b->function_table);
    if (b->function_table) b->function_table_cap = cap;
}

void pv_builder_free(pv_builder *b)
{
    if (!b) return;
    pv_arena_free(b->arena);
    free(b->functions);
    free(b->seen_in_entry);
    free(b->seen_at);
    free(b->function_table);
    free(b->file_table);
    free(b->edges);
    free(b->entries);
    free(b);
}

/* Returns the arena's copy of file, shared by every function of that file. */
static const char *intern_file(pv_builder *b, const char *file, size_t len)
{
    if ((b->nfiles + 1) * 2 > b->file_table_cap) {
        size_t cap = b->file_table_cap ? b->file_table_cap * 2 : 256;
        file_slot *table = calloc(cap, sizeof *table);
        if (!table) return NULL;
        for (size_t i = 0; i < b->file_table_cap; i++) {
            file_slot s = b->file_table[i];
            if (!s.file) continue;
            size_t j = mix(s.hash) & (cap - 1);
            while (table[j].file)
                j = (j + 1) & (cap - 1);
            table[j] = s;
        }
        free(b->file_table);
        b->file_table = table;
        b->file_table_cap = cap;
    }
    uint64_t h = hash_bytes(HASH_SEED, file, len);
    size_t j = mix(h) & (b->file_table_cap - 1);
    for (; b->file_table[j].file; j = (j + 1) & (b->file_table_cap - 1)) {
        file_slot *s = &b->file_table[j];
        if (s->hash == h && s->len == len && memcmp(s->file, file, len) == 0) return s->file;
    }
    char *copy = pv_arena_strndup(b->arena, file, len);
    if (!copy) return NULL;
    b->file_table[j] = (file_slot){copy, len, h};
    b->nfiles++;
    return copy;
}

static int grow_function_table(pv_builder *b)
{
    size_t cap = b->function_table_cap ? b->function_table_cap * 2 : 1024;
    uint64_t *table = calloc(cap, sizeof *table);
    if (!table) return -1;
    for (size_t k = 0; k < b->function_table_cap; k++) {
        uint64_t e = b->function_table[k];
        if (e == EMPTY_SLOT) continue;
        size_t j = (e >> 32) & (cap - 1);
        while (table[j] != EMPTY_SLOT)
            j = (j + 1) & (cap - 1);
        table[j] = e;
    }
    free(b->function_table);
    b->function_table = table;
    b->function_table_cap = cap;
    return 0;
}

const char *pv_builder_intern_file(pv_builder *b, const char *file, size_t file_len, pv_error *err)
{
    if (memchr(file, 0, file_len)) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "a file name holds a NUL byte");
        return NULL;
    }
    const char *interned = intern_file(b, file, file_len);
    if (!interned) oom(err);
    return interned;
}

int64_t pv_builder_intern(pv_builder *b, const char *file, size_t file_len, int64_t line,
                          const char *name, size_t name_len, pv_error *err)
{
    const char *canonical_file = pv_builder_intern_file(b, file, file_len, err);
    if (!canonical_file) return -1;
    return pv_builder_intern_in_file(b, canonical_file, line, name, name_len, err);
}

int64_t pv_builder_intern_in_file(pv_builder *b, const char *canonical_file, int64_t line,
                                  const char *name, size_t name_len, pv_error *err)
{
    if (memchr(name, 0, name_len))
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "a function name holds a NUL byte");
    /* Up to three quarters full: probes stay within a cache line or two, and
     * the table is half the size it would be at one half. */
    if ((b->nfunctions + 1) * 4 > b->function_table_cap * 3 && grow_function_table(b) != 0)
        return oom(err);

    /* Files are interned, so the file's identity is its pointer. */
    uint64_t h = hash_bytes(HASH_SEED, &canonical_file, sizeof canonical_file);
    h = hash_bytes(h, &line, sizeof line);
    h = hash_bytes(h, name, name_len);
    uint64_t tag = mix(h) >> 32;
    size_t mask = b->function_table_cap - 1;
    size_t j = tag & mask;
    for (; b->function_table[j] != EMPTY_SLOT; j = (j + 1) & mask) {
        uint64_t e = b->function_table[j];
        if (e >> 32 != tag) continue;
        uint32_t id = (uint32_t)e - 1;
        const pv_function *f = &b->functions[id];
        if (f->file == canonical_file && f->line == line && strncmp(f->name, name, name_len) == 0 &&
            f->name[name_len] == '\0')
            return id;
    }
    if (b->nfunctions >= UINT32_MAX - 1)
        return pv_fail(err, PV_ERR_INPUT, -1, "too many functions");

    size_t need = b->nfunctions + 1, cap = b->functions_cap;
    if (grow((void **)&b->functions, &cap, need, sizeof *b->functions) != 0) return oom(err);
    cap = b->functions_cap;
    if (grow((void **)&b->seen_in_entry, &cap, need, sizeof *b->seen_in_entry) != 0)
        return oom(err);
    cap = b->functions_cap;
    if (grow((void **)&b->seen_at, &cap, need, sizeof *b->seen_at) != 0) return oom(err);
    b->functions_cap = cap;

    char *name_copy = pv_arena_strndup(b->arena, name, name_len);
    if (!name_copy) return oom(err);
    uint32_t id = (uint32_t)b->nfunctions++;
    b->functions[id] = (pv_function){.file = canonical_file, .name = name_copy, .line = line};
    b->seen_in_entry[id] = NO_ENTRY;
    b->function_table[j] = tag << 32 | (id + 1);
    return id;
}

int pv_builder_begin_entry(pv_builder *b, uint32_t id, int64_t ncalls, int64_t pcalls,
                           double tottime, double cumtime, pv_error *err)
{
    if (id >= b->nfunctions)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "entry for unknown function id %u", id);
    if (b->nentries >= NO_ENTRY - 1) return pv_fail(err, PV_ERR_INPUT, -1, "too many entries");
    if (grow((void **)&b->entries, &b->entries_cap, b->nentries + 1, sizeof *b->entries) != 0)
        return oom(err);
    b->entries[b->nentries++] = (entry){id, (uint32_t)b->nedges, ncalls, tottime};
    /* Written, not read: a later entry for the same id overwrites these, as
     * the last one wins in a Python dict. */
    pv_function *f = &b->functions[id];
    f->ncalls = ncalls;
    f->pcalls = pcalls;
    f->tottime = tottime;
    f->cumtime = cumtime;
    b->current = id;
    return 0;
}

int pv_builder_add_caller(pv_builder *b, uint32_t caller, int64_t ncalls, int64_t pcalls,
                          double tottime, double cumtime, pv_error *err)
{
    if (b->current == NO_ENTRY)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "caller added outside an entry");
    if (caller >= b->nfunctions)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "caller with unknown function id %u", caller);
    if (b->drop_edges) return 0;
    pv_edge edge = {caller, b->current, ncalls, pcalls, tottime, cumtime};
    uint32_t entry_number = (uint32_t)b->nentries;
    if (b->seen_in_entry[caller] == entry_number) {
        b->edges[b->seen_at[caller]] = edge; /* the last one wins, as in a dict */
        return 0;
    }
    if (b->nedges >= UINT32_MAX - 1) return pv_fail(err, PV_ERR_INPUT, -1, "too many caller edges");
    if (grow((void **)&b->edges, &b->edges_cap, b->nedges + 1, sizeof *b->edges) != 0)
        return oom(err);
    b->seen_in_entry[caller] = entry_number;
    b->seen_at[caller] = (uint32_t)b->nedges;
    b->edges[b->nedges++] = edge;
    return 0;
}

/* Keeps the last entry of each function: sets its caller range, listed flag
 * and external calls, and squeezes the caller groups of replaced entries out
 * of the edge array in place (a live edge only ever moves to a lower index).
 * Returns the sum of tottime in pstats' order: each function once, at its
 * first entry, with the numbers of its last; floating-point sums depend on
 * their order, and this way the total is the very number pstats prints. */
static double keep_last_entries(pv_builder *b)
{
    uint32_t *last = b->seen_at; /* free to reuse once entries are done */
    uint32_t *counted = b->seen_in_entry;
    for (size_t id = 0; id < b->nfunctions; id++)
        counted[id] = 0;
    size_t distinct = 0;
    for (size_t k = 0; k < b->nentries; k++) {
        uint32_t id = b->entries[k].function;
        distinct += !counted[id];
        counted[id] = 1;
        last[id] = (uint32_t)k;
    }
    double total_time = 0;
    if (distinct == b->nentries) {
        for (size_t k = 0; k < b->nentries; k++)
            total_time += b->entries[k].tottime;
    } else {
        for (size_t id = 0; id < b->nfunctions; id++)
            counted[id] = 0;
        for (size_t k = 0; k < b->nentries; k++) {
            uint32_t id = b->entries[k].function;
            if (!counted[id]) total_time += b->entries[last[id]].tottime;
            counted[id] = 1;
        }
    }
    size_t kept = 0;
    for (size_t k = 0; k < b->nentries; k++) {
        const entry *e = &b->entries[k];
        if (last[e->function] != k) continue;
        size_t end = k + 1 < b->nentries ? b->entries[k + 1].first_edge : b->nedges;
        size_t n = end - e->first_edge;
        int64_t accounted = 0;
        for (size_t i = e->first_edge; i < end; i++) {
            accounted = pv_count_add(accounted, b->edges[i].ncalls);
        }
        if (n && kept != e->first_edge)
            memmove(&b->edges[kept], &b->edges[e->first_edge], n * sizeof *b->edges);
        pv_function *f = &b->functions[e->function];
        f->first_caller = (uint32_t)kept;
        f->ncallers = (uint32_t)n;
        f->listed = true;
        f->external_calls = e->ncalls - (accounted > e->ncalls ? e->ncalls : accounted);
        kept += n;
    }
    b->nedges = kept;
    return total_time;
}

static int by_cumtime_desc(const void *context, uint32_t a, uint32_t b)
{
    const pv_function *functions = context;
    double x = functions[a].cumtime, y = functions[b].cumtime;
    if (x != y) return x > y ? -1 : 1;
    return a < b ? -1 : a > b;
}

void pv_builder_drop_edges(pv_builder *b)
{
    b->drop_edges = true;
}

pv_profile *pv_builder_finish(pv_builder *b, pv_error *err)
{
    pv_profile *profile = NULL;
    uint32_t *callee_edges = NULL, *roots = NULL;

    double total_time = keep_last_entries(b);
    size_t n = b->nfunctions;
    pv_function *functions = b->functions;

    /* Callees: a counting sort of the edges by caller, counted in a small
     * array rather than in the function records, which lie far apart. */
    callee_edges = malloc((b->nedges ? b->nedges : 1) * sizeof *callee_edges);
    if (!callee_edges) goto fail;
    uint32_t *next_slot = b->seen_in_entry;
    for (size_t id = 0; id < n; id++)
        next_slot[id] = 0;
    for (size_t i = 0; i < b->nedges; i++)
        next_slot[b->edges[i].caller]++;
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
    oom(err);
    return NULL;
}

void pv_profile_free(pv_profile *profile)
{
    if (profile) pv_arena_free(profile->arena);
}
