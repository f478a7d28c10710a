/* builder.c: taking in keys, stats entries and callers (builder_finish.c
 * then turns them into a finished pv_profile).
 *
 * Entries arrive one at a time, each followed by its callers, so the callers of
 * one entry are appended as one contiguous group of edges, and the entry
 * itself is noted as (function, first edge) in entry order. A repeated entry
 * simply starts a new group; finish() keeps each function's last one and
 * squeezes the dead groups out in place. While entries arrive, the function
 * table is only written, never read: ids come in no useful order, and on a
 * 300,000-function file every read of a function record would be a cache
 * miss. finish() does its bookkeeping in small arrays of counters instead.
 *
 * Keys may be interned at once (pv_builder_intern: the id of an equal key
 * comes back) or added (pv_builder_add_key: a new id every time, the pstats
 * reader's way). Added keys are merged in finish(), in one pass over the
 * keys in order that looks up a key's table slot while the slots of the next
 * ones are already on their way from memory: a profile of 300,000 functions
 * otherwise waits on one cache miss per key. The ids then shrink to one per
 * distinct key, in order of first appearance (the ids pv_builder_intern
 * gives), and entries and edges are renumbered. Callers given twice in one
 * entry (the same key, or two equal ones) are merged there too, so that
 * add_caller() only appends.
 */
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "builder_internal.h"
#include "profile.h"

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
    /* No huge-page hint: these arrays are written in order, and fresh huge
     * pages cost more to fault in than they save (bigmem.h). */
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
    if (!b->function_table) return;
    pv_bigmem_hint(b->function_table, cap * sizeof *b->function_table);
    b->function_table_cap = cap;
}

void pv_builder_free(pv_builder *b)
{
    if (!b) return;
    pv_arena_free(b->arena);
    free(b->functions);
    free(b->hashes);
    free(b->scratch_a);
    free(b->scratch_b);
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
    pv_bigmem_hint(table, cap * sizeof *table);
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

/* The tag of a key: the upper half of a table entry. Files are interned, so
 * a file's identity is its pointer. */
static uint64_t key_tag(const char *file, int64_t line, const char *name, size_t name_len)
{
    uint64_t h = hash_bytes(HASH_SEED, &file, sizeof file);
    h = hash_bytes(h, &line, sizeof line);
    h = hash_bytes(h, name, name_len);
    return mix(h) >> 32;
}

/* Appends the record of a key (a new id, whatever keys came before).
 * Returns the id, or -1 with err filled. */
static int64_t append_key(pv_builder *b, const char *file, int64_t line, const char *name,
                          size_t name_len, uint64_t tag, pv_error *err)
{
    if (b->nfunctions >= UINT32_MAX - 1)
        return pv_fail(err, PV_ERR_INPUT, -1, "too many functions");
    size_t need = b->nfunctions + 1, cap = b->functions_cap;
    if (grow((void **)&b->functions, &cap, need, sizeof *b->functions) != 0) return oom(err);
    cap = b->functions_cap;
    if (grow((void **)&b->hashes, &cap, need, sizeof *b->hashes) != 0) return oom(err);
    b->functions_cap = cap;

    char *name_copy = pv_arena_strndup(b->arena, name, name_len);
    if (!name_copy) return oom(err);
    uint32_t id = (uint32_t)b->nfunctions++;
    b->functions[id] = (pv_function){.file = file, .name = name_copy, .line = line};
    b->hashes[id] = tag;
    return id;
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

    uint64_t tag = key_tag(canonical_file, line, name, name_len);
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
    int64_t id = append_key(b, canonical_file, line, name, name_len, tag, err);
    if (id < 0) return -1;
    b->function_table[j] = tag << 32 | (uint64_t)(id + 1);
    b->table_entries++;
    return id;
}

int64_t pv_builder_add_key(pv_builder *b, const char *interned_file, int64_t line, const char *name,
                           size_t name_len, pv_error *err)
{
    if (memchr(name, 0, name_len))
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "a function name holds a NUL byte");
    b->added_keys = true;
    return append_key(b, interned_file, line, name, name_len,
                      key_tag(interned_file, line, name, name_len), err);
}

int pv_builder_begin_entry(pv_builder *b, uint32_t id, int64_t ncalls, int64_t pcalls,
                           double tottime, double cumtime, pv_error *err)
{
    if (id >= b->nfunctions)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "entry for unknown function id %u", id);
    if (b->nentries >= NO_ENTRY - 1) return pv_fail(err, PV_ERR_INPUT, -1, "too many entries");
    if (grow((void **)&b->entries, &b->entries_cap, b->nentries + 1, sizeof *b->entries) != 0)
        return oom(err);
    /* The function record is not touched: a later entry for the same key
     * replaces this one, as the last one wins in a Python dict. */
    b->entries[b->nentries++] = (entry){id, (uint32_t)b->nedges, ncalls, pcalls, tottime, cumtime};
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
    /* A caller given twice is merged in finish(), with equal keys. */
    if (b->nedges >= UINT32_MAX - 1) return pv_fail(err, PV_ERR_INPUT, -1, "too many caller edges");
    if (grow((void **)&b->edges, &b->edges_cap, b->nedges + 1, sizeof *b->edges) != 0)
        return oom(err);
    b->edges[b->nedges++] = (pv_edge){caller, b->current, ncalls, pcalls, tottime, cumtime};
    return 0;
}

void pv_builder_drop_edges(pv_builder *b)
{
    b->drop_edges = true;
}

void pv_profile_free(pv_profile *profile)
{
    if (profile) pv_arena_free(profile->arena);
}
