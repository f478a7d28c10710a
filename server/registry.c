/* registry.c: profiles by content id, their function table indexes, and the
 * memory-bounded cache of the ones backed by a file.
 *
 * Everything a page of the function table needs is computed once, at load:
 * sorted id arrays per key and direction (so an unfiltered page is a slice),
 * and lower-cased search text (so a filtered page is one memmem() scan over
 * the names plus one over the distinct files, then a walk of the sorted ids
 * that stops once the page is full). A profile and these indexes are one
 * `tables` value; an entry backed by a file may drop its tables (eviction,
 * least recently used first, never while a request holds the entry) and
 * rebuild them from the file when it is next acquired.
 */
#define _GNU_SOURCE /* memmem */
#include "registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"

/* A parsed profile and its indexes, made and freed together. */
typedef struct tables {
    pv_profile *profile;
    uint32_t *order[PV_SORT_COUNT][2]; /* [key][0] ascending, [key][1] descending */
    char *names_lc;                    /* lower-cased names, NUL after each */
    size_t names_lc_len;
    uint32_t *name_at; /* nfunctions + 1 starts in names_lc */
    char *files_lc;    /* lower-cased distinct files, NUL after each */
    size_t files_lc_len;
    uint32_t *file_at; /* nfiles + 1 starts in files_lc */
    uint32_t nfiles;
    uint32_t *file_of;      /* per function, index of its file */
    const char **file_text; /* per distinct file, its text (in the profile) */
    uint32_t *file_rank;    /* per distinct file, its rank in strcmp order */
} tables;

/* The private side of an entry; `pub` must stay first. Every field but the
 * immutable ones (pub.id, name, path) is guarded by the registry's mutex. */
typedef struct pv_registry_item {
    pv_registry_entry pub;
    char *name;
    char *path; /* the file to rebuild the tables from, or NULL: never evicted */
    tables *t;  /* NULL while evicted */
    size_t memory;
    unsigned refs;
    bool loading; /* a thread is rebuilding t; others wait on the registry's cond */
    bool removed; /* out of the list; freed at the last release */
    uint64_t last_used;
} entry;

struct pv_registry {
    pthread_mutex_t lock;
    pthread_cond_t loaded; /* signalled when an entry's loading ends */
    entry **entries;
    size_t count, cap;
    size_t cache_limit; /* bytes; 0 = no limit */
    size_t cache_used;  /* memory of loaded entries that have a path and are listed */
    uint64_t tick;
};

uint64_t pv_registry_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static const char *const sort_names[PV_SORT_COUNT] = {
    [PV_SORT_TOTTIME] = "tottime",
    [PV_SORT_CUMTIME] = "cumtime",
    [PV_SORT_NCALLS] = "ncalls",
    [PV_SORT_PCALLS] = "pcalls",
    [PV_SORT_NAME] = "name",
    [PV_SORT_FILE] = "file",
    [PV_SORT_TOTTIME_PERCALL] = "tottime_percall",
    [PV_SORT_CUMTIME_PERCALL] = "cumtime_percall",
};

int pv_registry_sort_key_from_name(const char *name)
{
    for (int k = 0; k < PV_SORT_COUNT; k++)
        if (strcmp(name, sort_names[k]) == 0) return k;
    return -1;
}

/* ---- Sorting ------------------------------------------------------------ */

/* Numeric keys: an LSD radix sort of keys mapped to uint64 so that unsigned
 * order is numeric order. It is stable and starts from id order, so ties come
 * out by ascending id. */
typedef struct num_item {
    uint64_t key;
    uint32_t id;
} num_item;

/* Text keys: the file is represented by its rank among the distinct files. */
typedef struct text_item {
    const char *name;
    uint32_t file_rank;
    uint32_t id;
    int64_t line;
} text_item;

static uint64_t sortable_bits(double d)
{
    if (d != d || d == 0) d = 0; /* NAN and -0.0 sort as 0 */
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static void radix_sort(num_item *a, num_item *tmp, size_t n)
{
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((a[i].key >> shift) & 0xff) + 1]++;
        if (count[((a[0].key >> shift) & 0xff) + 1] == n) continue; /* one bucket: no-op */
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i].key >> shift) & 0xff]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

static int compare_line(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* Name, then file, then line: 0 means a tie. */
static int compare_by_name(const text_item *a, const text_item *b)
{
    int c = strcmp(a->name, b->name);
    if (c) return c;
    if (a->file_rank != b->file_rank) return a->file_rank < b->file_rank ? -1 : 1;
    return compare_line(a->line, b->line);
}

/* File, then line, then name: 0 means a tie. */
static int compare_by_file(const text_item *a, const text_item *b)
{
    if (a->file_rank != b->file_rank) return a->file_rank < b->file_rank ? -1 : 1;
    int c = compare_line(a->line, b->line);
    return c ? c : strcmp(a->name, b->name);
}

static int qsort_by_name(const void *pa, const void *pb)
{
    const text_item *a = pa, *b = pb;
    int c = compare_by_name(a, b);
    return c ? c : (a->id > b->id) - (a->id < b->id);
}

static int qsort_by_file(const void *pa, const void *pb)
{
    const text_item *a = pa, *b = pb;
    int c = compare_by_file(a, b);
    return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* Writes the descending order from the ascending one: reversed, but with each
 * run of tied keys kept in ascending id order. same(i, j) tells whether the
 * items at ascending positions i and j tie. */
static void derive_descending(const uint32_t *asc, uint32_t *desc, size_t n, const void *items,
                              bool (*same)(const void *items, size_t i, size_t j))
{
    size_t out = 0;
    size_t end = n; /* one past the run being copied, in asc positions */
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && same(items, start - 1, end - 1))
            start--;
        for (size_t i = start; i < end; i++)
            desc[out++] = asc[i];
        end = start;
    }
}

static bool same_num(const void *items, size_t i, size_t j)
{
    const num_item *it = items;
    return it[i].key == it[j].key;
}

static bool same_name(const void *items, size_t i, size_t j)
{
    const text_item *it = items;
    return compare_by_name(&it[i], &it[j]) == 0;
}

static bool same_file(const void *items, size_t i, size_t j)
{
    const text_item *it = items;
    return compare_by_file(&it[i], &it[j]) == 0;
}

static double numeric_key(const pv_function *f, pv_sort_key key)
{
    switch (key) {
    case PV_SORT_TOTTIME:
        return f->tottime;
    case PV_SORT_CUMTIME:
        return f->cumtime;
    case PV_SORT_NCALLS:
        return (double)f->ncalls;
    case PV_SORT_PCALLS:
        return (double)f->pcalls;
    case PV_SORT_TOTTIME_PERCALL: /* zero calls sort as 0 */
        return f->ncalls > 0 ? f->tottime / (double)f->ncalls : 0;
    case PV_SORT_CUMTIME_PERCALL:
        return f->pcalls > 0 ? f->cumtime / (double)f->pcalls : 0;
    default:
        return 0;
    }
}

/* Fills t->order[key] (allocating both arrays). Needs t->file_rank. Returns
 * 0, or -1 when out of memory. */
static int sort_key(tables *t, pv_sort_key key)
{
    const pv_profile *p = t->profile;
    size_t n = p->nfunctions;
    uint32_t *asc = malloc((n ? n : 1) * sizeof *asc);
    uint32_t *desc = malloc((n ? n : 1) * sizeof *desc);
    t->order[key][0] = asc;
    t->order[key][1] = desc;
    if (!asc || !desc) return -1;
    if (key == PV_SORT_NAME || key == PV_SORT_FILE) {
        text_item *it = malloc((n ? n : 1) * sizeof *it);
        if (!it) return -1;
        for (size_t i = 0; i < n; i++) {
            const pv_function *f = &p->functions[i];
            it[i] = (text_item){.name = f->name,
                                .file_rank = t->file_rank[t->file_of[i]],
                                .id = (uint32_t)i,
                                .line = f->line};
        }
        bool by_name = key == PV_SORT_NAME;
        qsort(it, n, sizeof *it, by_name ? qsort_by_name : qsort_by_file);
        for (size_t i = 0; i < n; i++)
            asc[i] = it[i].id;
        derive_descending(asc, desc, n, it, by_name ? same_name : same_file);
        free(it);
        return 0;
    }
    num_item *it = malloc((n ? n : 1) * sizeof *it);
    num_item *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!it || !tmp) {
        free(it);
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        it[i] =
            (num_item){.key = sortable_bits(numeric_key(&p->functions[i], key)), .id = (uint32_t)i};
    if (n) radix_sort(it, tmp, n);
    for (size_t i = 0; i < n; i++)
        asc[i] = it[i].id;
    derive_descending(asc, desc, n, it, same_num);
    free(it);
    free(tmp);
    return 0;
}

typedef struct file_item {
    const char *file;
    uint32_t index;
} file_item;

static int compare_files(const void *pa, const void *pb)
{
    return strcmp(((const file_item *)pa)->file, ((const file_item *)pb)->file);
}

/* Fills t->file_rank from the distinct files found by build_search(). */
static int rank_files(tables *t)
{
    file_item *items = malloc((t->nfiles ? t->nfiles : 1) * sizeof *items);
    t->file_rank = malloc((t->nfiles ? t->nfiles : 1) * sizeof *t->file_rank);
    if (!items || !t->file_rank) {
        free(items);
        return -1;
    }
    for (uint32_t i = 0; i < t->nfiles; i++)
        items[i] = (file_item){t->file_text[i], i};
    qsort(items, t->nfiles, sizeof *items, compare_files);
    for (uint32_t r = 0; r < t->nfiles; r++)
        t->file_rank[items[r].index] = r;
    free(items);
    return 0;
}

typedef struct sort_job {
    tables *t;
    pv_sort_key key;
    int rc;
} sort_job;

static void *sort_job_run(void *arg)
{
    sort_job *job = arg;
    job->rc = sort_key(job->t, job->key);
    return NULL;
}

/* Fills t->order: the name sort (the slowest, all string comparisons) on a
 * second thread, the others here. Returns 0, or -1 with err filled. */
static int build_orders(tables *t, pv_error *err)
{
    if (rank_files(t) < 0) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory sorting files");
    sort_job job = {.t = t, .key = PV_SORT_NAME, .rc = 0};
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, sort_job_run, &job) == 0;
    if (!threaded) sort_job_run(&job);
    int rc = 0;
    for (int k = 0; k < PV_SORT_COUNT; k++)
        if (k != PV_SORT_NAME && sort_key(t, (pv_sort_key)k) < 0) rc = -1;
    if (threaded) pthread_join(thread, NULL);
    if (rc < 0 || job.rc < 0)
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory sorting %u functions",
                       t->profile->nfunctions);
    return 0;
}

/* ---- Search text -------------------------------------------------------- */

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Appends the lower-cased s and a NUL at *len in buf (which has room). */
static void append_lower(char *buf, size_t *len, const char *s)
{
    size_t at = *len;
    for (; *s; s++)
        buf[at++] = lower_ascii(*s);
    buf[at++] = '\0';
    *len = at;
}

static uint64_t hash_string(const char *s)
{
    return pv_registry_hash(PV_REGISTRY_HASH_SEED, s, strlen(s));
}

/* Fills the search text of t. Files are stored once each, found with an
 * open-addressing table keyed by the string. Returns 0, or -1 with err filled
 * (also when the text would not fit 32-bit offsets). */
static int build_search(tables *t, pv_error *err)
{
    const pv_profile *p = t->profile;
    size_t n = p->nfunctions;
    size_t names_len = 0, files_len = 0;
    for (size_t i = 0; i < n; i++) {
        names_len += strlen(p->functions[i].name) + 1;
        files_len += strlen(p->functions[i].file) + 1;
    }
    if (names_len > UINT32_MAX || files_len > UINT32_MAX)
        return pv_fail(err, PV_ERR_INPUT, -1, "names and files are too long to index (%zu bytes)",
                       names_len + files_len);

    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t *table = malloc(cap * sizeof *table); /* file index + 1, 0 = empty */
    t->names_lc = malloc(names_len ? names_len : 1);
    t->name_at = malloc((n + 1) * sizeof *t->name_at);
    t->files_lc = malloc(files_len ? files_len : 1);
    t->file_at = malloc((n + 1) * sizeof *t->file_at);
    t->file_of = malloc((n ? n : 1) * sizeof *t->file_of);
    const char **file_first = malloc((n ? n : 1) * sizeof *file_first);
    t->file_text = file_first;
    if (!table || !t->names_lc || !t->name_at || !t->files_lc || !t->file_at || !t->file_of ||
        !file_first) {
        free(table);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory indexing %zu functions", n);
    }
    memset(table, 0, cap * sizeof *table);

    for (size_t i = 0; i < n; i++) {
        const pv_function *f = &p->functions[i];
        t->name_at[i] = (uint32_t)t->names_lc_len;
        append_lower(t->names_lc, &t->names_lc_len, f->name);

        size_t slot = (size_t)hash_string(f->file) & (cap - 1);
        for (;;) {
            uint32_t held = table[slot];
            if (held == 0) {
                uint32_t idx = t->nfiles++;
                table[slot] = idx + 1;
                file_first[idx] = f->file;
                t->file_at[idx] = (uint32_t)t->files_lc_len;
                append_lower(t->files_lc, &t->files_lc_len, f->file);
                t->file_of[i] = idx;
                break;
            }
            const char *other = file_first[held - 1];
            if (other == f->file || strcmp(other, f->file) == 0) {
                t->file_of[i] = held - 1;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
    }
    t->name_at[n] = (uint32_t)t->names_lc_len;
    t->file_at[t->nfiles] = (uint32_t)t->files_lc_len;
    free(table);
    return 0;
}

/* Sets hit[i] for every string i of the packed text (starts at[0..count],
 * at[count] = len) that contains needle. Hits come in text order, so the
 * string holding each is found by walking forward from the last one. */
static void mark_matches(const char *text, size_t len, const uint32_t *at, size_t count,
                         const char *needle, size_t needle_len, unsigned char *hit)
{
    size_t pos = 0, i = 0;
    while (pos < len) {
        const char *found = memmem(text + pos, len - pos, needle, needle_len);
        if (!found) break;
        size_t off = (size_t)(found - text);
        while (at[i + 1] <= off)
            i++; /* at[i] <= off < at[i + 1] */
        hit[i] = 1;
        pos = at[i + 1];
    }
}

int pv_registry_query_functions(const pv_registry_entry *pub, const pv_function_query *query,
                                uint32_t **ids, size_t *nids, size_t *total, pv_error *err)
{
    const tables *t = ((const entry *)pub)->t;
    size_t n = t->profile->nfunctions;
    const uint32_t *order = t->order[query->sort][query->descending ? 1 : 0];
    *ids = NULL;
    *nids = 0;
    *total = 0;

    if (!query->q || !query->q[0]) {
        *total = n;
        if (query->offset >= n || query->limit == 0) return 0;
        size_t count = n - query->offset < query->limit ? n - query->offset : query->limit;
        *ids = malloc(count * sizeof **ids);
        if (!*ids) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        memcpy(*ids, order + query->offset, count * sizeof **ids);
        *nids = count;
        return 0;
    }

    size_t needle_len = strlen(query->q);
    char *needle = malloc(needle_len + 1);
    unsigned char *name_hit = calloc(n ? n : 1, 1);
    unsigned char *file_hit = calloc(t->nfiles ? t->nfiles : 1, 1);
    size_t page_cap = query->limit < n ? query->limit : n;
    uint32_t *page = malloc((page_cap ? page_cap : 1) * sizeof *page);
    if (!needle || !name_hit || !file_hit || !page) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i <= needle_len; i++)
        needle[i] = lower_ascii(query->q[i]);

    mark_matches(t->names_lc, t->names_lc_len, t->name_at, n, needle, needle_len, name_hit);
    mark_matches(t->files_lc, t->files_lc_len, t->file_at, t->nfiles, needle, needle_len, file_hit);

    size_t matched = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = order[i];
        if (!name_hit[id] && !file_hit[t->file_of[id]]) continue;
        if (matched >= query->offset && count < page_cap) page[count++] = id;
        matched++;
    }
    free(needle);
    free(name_hit);
    free(file_hit);
    *total = matched;
    if (count == 0) {
        free(page);
        return 0;
    }
    *ids = page;
    *nids = count;
    return 0;

fail:
    free(needle);
    free(name_hit);
    free(file_hit);
    free(page);
    return -1;
}

/* ---- Tables and entries ------------------------------------------------- */

static void tables_free(tables *t)
{
    if (!t) return;
    pv_profile_free(t->profile);
    for (int k = 0; k < PV_SORT_COUNT; k++) {
        free(t->order[k][0]);
        free(t->order[k][1]);
    }
    free(t->names_lc);
    free(t->name_at);
    free(t->files_lc);
    free(t->file_at);
    free(t->file_of);
    free(t->file_text);
    free(t->file_rank);
    free(t);
}

/* An estimate of the bytes t holds: the profile's arena and tables (counted
 * in full even when the arena holds some of them) and every index. */
static size_t tables_memory(const tables *t)
{
    const pv_profile *p = t->profile;
    size_t n = p->nfunctions;
    size_t bytes = sizeof *t + sizeof *p + pv_arena_bytes(p->arena);
    bytes += n * sizeof(pv_function) + (size_t)p->nedges * (sizeof(pv_edge) + sizeof(uint32_t)) +
             (size_t)p->nroots * sizeof(uint32_t);
    bytes += 2 * (size_t)PV_SORT_COUNT * n * sizeof(uint32_t);
    bytes += t->names_lc_len + t->files_lc_len + (n + 1) * sizeof(uint32_t) * 3;
    bytes += (size_t)t->nfiles * (sizeof(char *) + 2 * sizeof(uint32_t));
    return bytes;
}

/* Makes the tables of profile (taken over in every case). Returns them, or
 * NULL with err filled. */
static tables *tables_new(pv_profile *profile, pv_error *err)
{
    tables *t = calloc(1, sizeof *t);
    if (!t) {
        pv_profile_free(profile);
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    t->profile = profile;
    if (build_search(t, err) < 0 || build_orders(t, err) < 0) {
        tables_free(t);
        return NULL;
    }
    return t;
}

static void entry_free(entry *e)
{
    if (!e) return;
    tables_free(e->t);
    free(e->name);
    free(e->path);
    free(e);
}

/* Makes an entry of profile (which it takes over in every case), its id from
 * hash. Returns it, or NULL with err filled. */
static entry *entry_new(pv_profile *profile, const char *name, uint64_t hash, size_t bytes,
                        pv_error *err)
{
    entry *e = calloc(1, sizeof *e);
    if (!e || !(e->name = strdup(name))) {
        free(e);
        pv_profile_free(profile);
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    e->t = tables_new(profile, err);
    if (!e->t) {
        entry_free(e);
        return NULL;
    }
    snprintf(e->pub.id, sizeof e->pub.id, "%012llx",
             (unsigned long long)(hash >> (64 - 4 * PV_REGISTRY_ID_LEN)));
    e->pub.name = e->name;
    e->pub.profile = profile;
    e->pub.bytes = bytes;
    e->pub.functions = profile->nfunctions;
    e->pub.total_calls = profile->total_calls;
    e->pub.primitive_calls = profile->primitive_calls;
    e->pub.total_time = profile->total_time;
    e->memory = tables_memory(e->t);
    return e;
}

/* ---- The list and the cache (all with the lock held) --------------------- */

static entry *find_locked(pv_registry *reg, const char *id, size_t *index)
{
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->entries[i]->pub.id, id) == 0) {
            if (index) *index = i;
            return reg->entries[i];
        }
    }
    return NULL;
}

static bool counted(const entry *e)
{
    return e->t && e->path && !e->removed;
}

/* Drops the tables of the least recently used entries that can be rebuilt
 * and that no request holds, until the cache fits its limit. */
static void evict_locked(pv_registry *reg)
{
    while (reg->cache_limit && reg->cache_used > reg->cache_limit) {
        entry *victim = NULL;
        for (size_t i = 0; i < reg->count; i++) {
            entry *c = reg->entries[i];
            if (counted(c) && c->refs == 0 && !c->loading &&
                (!victim || c->last_used < victim->last_used))
                victim = c;
        }
        if (!victim) return;
        reg->cache_used -= victim->memory;
        tables_free(victim->t);
        victim->t = NULL;
        victim->pub.profile = NULL;
        victim->memory = 0;
    }
}

static void release_locked(entry *e)
{
    e->refs--;
    if (e->refs == 0 && e->removed) entry_free(e);
}

/* Adds e unless an entry with its id is held (then e is freed). Copies the id
 * to id_out when not NULL. Returns 1 when added, 0 when the id was held, or
 * -1 with err filled (e freed). */
static int registry_add(pv_registry *reg, entry *e, char *id_out, pv_error *err)
{
    if (id_out) memcpy(id_out, e->pub.id, sizeof e->pub.id);
    pthread_mutex_lock(&reg->lock);
    if (find_locked(reg, e->pub.id, NULL)) {
        pthread_mutex_unlock(&reg->lock);
        entry_free(e);
        return 0;
    }
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? 2 * reg->cap : 8;
        entry **grown = realloc(reg->entries, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&reg->lock);
            entry_free(e);
            return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        }
        reg->entries = grown;
        reg->cap = cap;
    }
    reg->entries[reg->count++] = e;
    e->last_used = ++reg->tick;
    if (counted(e)) {
        reg->cache_used += e->memory;
        evict_locked(reg);
    }
    pthread_mutex_unlock(&reg->lock);
    return 1;
}

pv_registry *pv_registry_new(pv_error *err)
{
    pv_registry *reg = calloc(1, sizeof *reg);
    if (!reg) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&reg->lock, NULL) != 0) {
        free(reg);
        pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a mutex");
        return NULL;
    }
    if (pthread_cond_init(&reg->loaded, NULL) != 0) {
        pthread_mutex_destroy(&reg->lock);
        free(reg);
        pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a condition variable");
        return NULL;
    }
    return reg;
}

void pv_registry_free(pv_registry *reg)
{
    if (!reg) return;
    for (size_t i = 0; i < reg->count; i++)
        entry_free(reg->entries[i]);
    free(reg->entries);
    pthread_cond_destroy(&reg->loaded);
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

void pv_registry_set_cache_limit(pv_registry *reg, size_t bytes)
{
    pthread_mutex_lock(&reg->lock);
    reg->cache_limit = bytes;
    evict_locked(reg);
    pthread_mutex_unlock(&reg->lock);
}

size_t pv_registry_cache_used(pv_registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->cache_used;
    pthread_mutex_unlock(&reg->lock);
    return n;
}

size_t pv_registry_count(pv_registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->count;
    pthread_mutex_unlock(&reg->lock);
    return n;
}

bool pv_registry_contains(pv_registry *reg, const char *id)
{
    pthread_mutex_lock(&reg->lock);
    bool found = find_locked(reg, id, NULL) != NULL;
    pthread_mutex_unlock(&reg->lock);
    return found;
}

bool pv_registry_is_loaded(pv_registry *reg, const char *id)
{
    pthread_mutex_lock(&reg->lock);
    entry *e = find_locked(reg, id, NULL);
    bool loaded = e && e->t;
    pthread_mutex_unlock(&reg->lock);
    return loaded;
}

bool pv_registry_remove(pv_registry *reg, const char *id)
{
    pthread_mutex_lock(&reg->lock);
    size_t i = 0;
    entry *e = find_locked(reg, id, &i);
    if (e) {
        if (counted(e)) reg->cache_used -= e->memory;
        memmove(&reg->entries[i], &reg->entries[i + 1],
                (reg->count - i - 1) * sizeof *reg->entries);
        reg->count--;
        e->removed = true;
        if (e->refs == 0) entry_free(e);
    }
    pthread_mutex_unlock(&reg->lock);
    return e != NULL;
}

static tables *rebuild(const entry *e, pv_error *err);

const pv_registry_entry *pv_registry_acquire(pv_registry *reg, const char *id)
{
    pthread_mutex_lock(&reg->lock);
    entry *e = find_locked(reg, id, NULL);
    if (!e) {
        pthread_mutex_unlock(&reg->lock);
        return NULL;
    }
    e->refs++;
    e->last_used = ++reg->tick;
    while (e->loading)
        pthread_cond_wait(&reg->loaded, &reg->lock);
    if (!e->t) {
        /* Evicted: rebuild it without the lock (path and id never change). */
        e->loading = true;
        pthread_mutex_unlock(&reg->lock);
        pv_error err;
        tables *t = rebuild(e, &err);
        pthread_mutex_lock(&reg->lock);
        e->loading = false;
        pthread_cond_broadcast(&reg->loaded);
        if (t) {
            e->t = t;
            e->pub.profile = t->profile;
            e->memory = tables_memory(t);
            if (counted(e)) {
                reg->cache_used += e->memory;
                evict_locked(reg);
            }
        } else {
            fprintf(stderr, "profviz: cannot reload %s: %s\n", e->path, err.message);
            release_locked(e);
            e = NULL;
        }
    }
    pthread_mutex_unlock(&reg->lock);
    return e ? &e->pub : NULL;
}

void pv_registry_release(pv_registry *reg, const pv_registry_entry *pub)
{
    if (!pub) return;
    pthread_mutex_lock(&reg->lock);
    release_locked((entry *)pub);
    pthread_mutex_unlock(&reg->lock);
}

int pv_registry_snapshot(pv_registry *reg, const pv_registry_entry ***out, size_t *count,
                         pv_error *err)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->count;
    char(*ids)[PV_REGISTRY_ID_LEN + 1] = malloc((n ? n : 1) * sizeof *ids);
    for (size_t i = 0; ids && i < n; i++)
        memcpy(ids[i], reg->entries[i]->pub.id, sizeof ids[i]);
    pthread_mutex_unlock(&reg->lock);
    const pv_registry_entry **list = malloc((n ? n : 1) * sizeof *list);
    if (!ids || !list) {
        free(ids);
        free(list);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        const pv_registry_entry *e = pv_registry_acquire(reg, ids[i]);
        if (e) list[got++] = e;
    }
    free(ids);
    *out = list;
    *count = got;
    return 0;
}

static int newest_first(const void *pa, const void *pb)
{
    const pv_registry_entry *a = pa, *b = pb;
    if (a->modified != b->modified) return a->modified > b->modified ? -1 : 1;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->id, b->id);
}

int pv_registry_list(pv_registry *reg, bool by_time, pv_registry_entry **out, size_t *count,
                     pv_error *err)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->count;
    pv_registry_entry *list = calloc(n ? n : 1, sizeof *list);
    bool ok = list != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        list[i] = reg->entries[i]->pub;
        list[i].profile = NULL;
        list[i].name = strdup(reg->entries[i]->name);
        ok = list[i].name != NULL;
    }
    pthread_mutex_unlock(&reg->lock);
    if (!ok) {
        pv_registry_list_free(list, n);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    if (by_time) qsort(list, n, sizeof *list, newest_first);
    *out = list;
    *count = n;
    return 0;
}

void pv_registry_list_free(pv_registry_entry *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        free((char *)list[i].name);
    free(list);
}

/* ---- Loading ------------------------------------------------------------ */

/* Reads the whole file at path. Returns 0 and sets *out (caller frees) and
 * *len, or -1 with err filled (offset -1). */
static int read_file(const char *path, unsigned char **out, size_t *len, pv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pv_fail(err, errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO, -1, "%s",
                       strerror(errno));
    size_t cap = 1 << 16, used = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory reading the file");
    }
    for (;;) {
        if (used == cap) {
            if (cap > SIZE_MAX / 2) {
                pv_fail(err, PV_ERR_INPUT, -1, "the file is too large");
                goto fail;
            }
            unsigned char *grown = realloc(buf, cap * 2);
            if (!grown) {
                pv_fail(err, PV_ERR_NOMEM, -1, "out of memory reading the file");
                goto fail;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                pv_fail(err, PV_ERR_IO, -1, "%s", strerror(errno ? errno : EIO));
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    *out = buf;
    *len = used;
    return 0;

fail:
    fclose(f);
    free(buf);
    return -1;
}

/* Continues *hash over the length and the bytes as given (the content id). */
static void hash_content(const unsigned char *data, size_t len, uint64_t *hash)
{
    uint64_t n64 = len;
    *hash = pv_registry_hash(*hash, &n64, sizeof n64);
    *hash = pv_registry_hash(*hash, data, len);
}

/* Parses data (gzip-compressed or not) through the loader every command
 * uses. Returns 0 and sets *profile and *hash (continued from *hash over the
 * length and the bytes as given), or -1 with err filled (no file name). */
static int parse_bytes(const unsigned char *data, size_t len, pv_profile **profile, uint64_t *hash,
                       pv_error *err)
{
    hash_content(data, len, hash);
    return pv_load_profile_bytes(data, len, profile, err);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Prefixes err's message with "PATH: ". */
static int fail_with_path(pv_error *err, const char *path)
{
    return pv_error_prefix(err, "%s: ", path);
}

/* The modification time of path in seconds since the epoch, or 0. */
static int64_t mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_mtime : 0;
}

int pv_registry_parse(const unsigned char *data, size_t len, const char *name,
                      pv_registry_item **out, pv_error *err)
{
    pv_profile *profile = NULL;
    uint64_t hash = PV_REGISTRY_HASH_SEED;
    *out = NULL;
    if (parse_bytes(data, len, &profile, &hash, err) < 0) return -1;
    *out = entry_new(profile, name, hash, len, err);
    return *out ? 0 : -1;
}

const char *pv_registry_item_id(const pv_registry_item *item)
{
    return item->pub.id;
}

void pv_registry_item_free(pv_registry_item *item)
{
    entry_free(item);
}

int pv_registry_insert(pv_registry *reg, pv_registry_item *item, const char *name, const char *path,
                       int64_t modified, char *id_out, pv_error *err)
{
    item->pub.modified = modified;
    if (name) {
        char *copy = strdup(name);
        if (!copy) {
            entry_free(item);
            return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        }
        free(item->name);
        item->name = copy;
        item->pub.name = copy;
    }
    if (path && !(item->path = strdup(path))) {
        entry_free(item);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    return registry_add(reg, item, id_out, err);
}

/* Rebuilds the tables of an evicted entry from its file. Returns them, or
 * NULL with err filled (also when the file no longer has the entry's id). */
static tables *rebuild(const entry *e, pv_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_file(e->path, &data, &len, err) < 0) return NULL;
    uint64_t hash = PV_REGISTRY_HASH_SEED;
    pv_profile *profile = NULL;
    int rc = parse_bytes(data, len, &profile, &hash, err);
    free(data);
    if (rc < 0) return NULL;
    char id[PV_REGISTRY_ID_LEN + 1];
    snprintf(id, sizeof id, "%012llx", (unsigned long long)(hash >> (64 - 4 * PV_REGISTRY_ID_LEN)));
    if (strcmp(id, e->pub.id) != 0) {
        pv_profile_free(profile);
        pv_fail(err, PV_ERR_IO, -1, "the file has changed");
        return NULL;
    }
    return tables_new(profile, err);
}

int pv_registry_add_bytes(pv_registry *reg, const char *name, const unsigned char *data, size_t len,
                          char *id_out, pv_error *err)
{
    pv_registry_item *item = NULL;
    if (pv_registry_parse(data, len, name, &item, err) < 0) return -1;
    return pv_registry_insert(reg, item, NULL, NULL, 0, id_out, err) < 0 ? -1 : 0;
}

int pv_registry_load_file(pv_registry *reg, const char *path, char *id_out, pv_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_file(path, &data, &len, err) < 0) return fail_with_path(err, path);
    pv_registry_item *item = NULL;
    int rc = pv_registry_parse(data, len, base_name(path), &item, err);
    free(data);
    if (rc < 0) return fail_with_path(err, path);
    return pv_registry_insert(reg, item, NULL, NULL, mtime_of(path), id_out, err) < 0 ? -1 : 0;
}

/* Writes the display name of a merge into buf: the names joined with " + ",
 * or the first and how many more when there are more than three. */
static void merged_name(const char *const *paths, size_t npaths, char *buf, size_t size)
{
    if (npaths > 3) {
        snprintf(buf, size, "%s + %zu more", base_name(paths[0]), npaths - 1);
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < npaths && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? " + " : "", base_name(paths[i]));
        if (w < 0) break;
        used += (size_t)w;
    }
}

int pv_registry_load_merged(pv_registry *reg, const char *const *paths, size_t npaths, char *id_out,
                            pv_error *err)
{
    if (npaths == 0) return pv_fail(err, PV_ERR_ARGUMENT, -1, "nothing to merge");
    pv_profile **parts = calloc(npaths, sizeof *parts);
    if (!parts) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    uint64_t hash = PV_REGISTRY_HASH_SEED;
    size_t total_bytes = 0;
    int64_t modified = 0;
    pv_profile *merged = NULL;
    int rc = -1;
    for (size_t i = 0; i < npaths; i++) {
        unsigned char *data = NULL;
        size_t len = 0;
        if (read_file(paths[i], &data, &len, err) < 0) {
            fail_with_path(err, paths[i]);
            goto done;
        }
        int prc = parse_bytes(data, len, &parts[i], &hash, err);
        free(data);
        if (prc < 0) {
            fail_with_path(err, paths[i]);
            goto done;
        }
        total_bytes += len;
        int64_t m = mtime_of(paths[i]);
        if (m > modified) modified = m;
    }
    merged = pv_profile_merge((const pv_profile *const *)parts, npaths, err);
    if (!merged) goto done;
    char name[512];
    merged_name(paths, npaths, name, sizeof name);
    entry *e = entry_new(merged, name, hash, total_bytes, err);
    if (!e) goto done;
    e->pub.modified = modified;
    rc = registry_add(reg, e, id_out, err) < 0 ? -1 : 0;

done:
    for (size_t i = 0; i < npaths; i++)
        pv_profile_free(parts[i]);
    free(parts);
    return rc;
}
