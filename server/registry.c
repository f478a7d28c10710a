/* registry.c: loading profiles, their content ids, and the function table
 * indexes.
 *
 * Everything a page of the function table needs is computed once, at load:
 * sorted id arrays per key and direction (so an unfiltered page is a slice),
 * and lower-cased search text (so a filtered page is one memmem() scan over
 * the names plus one over the distinct files, then a walk of the sorted ids
 * that stops once the page is full).
 */
#define _GNU_SOURCE /* memmem */
#include "registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

/* The private side of an entry; `pub` must stay first. */
typedef struct entry {
    pv_registry_entry pub;
    pv_profile *profile;
    char *name;
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
    unsigned refs;          /* guarded by the registry's mutex */
} entry;

struct pv_registry {
    pthread_mutex_t lock;
    entry **entries;
    size_t count, cap;
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
    [PV_SORT_TOTTIME] = "tottime", [PV_SORT_CUMTIME] = "cumtime", [PV_SORT_NCALLS] = "ncalls",
    [PV_SORT_PCALLS] = "pcalls",   [PV_SORT_NAME] = "name",       [PV_SORT_FILE] = "file",
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
    default:
        return 0;
    }
}

/* Fills e->order[key] (allocating both arrays). Needs e->file_rank. Returns
 * 0, or -1 when out of memory. */
static int sort_key(entry *e, pv_sort_key key)
{
    const pv_profile *p = e->profile;
    size_t n = p->nfunctions;
    uint32_t *asc = malloc((n ? n : 1) * sizeof *asc);
    uint32_t *desc = malloc((n ? n : 1) * sizeof *desc);
    e->order[key][0] = asc;
    e->order[key][1] = desc;
    if (!asc || !desc) return -1;
    if (key == PV_SORT_NAME || key == PV_SORT_FILE) {
        text_item *it = malloc((n ? n : 1) * sizeof *it);
        if (!it) return -1;
        for (size_t i = 0; i < n; i++) {
            const pv_function *f = &p->functions[i];
            it[i] = (text_item){.name = f->name,
                                .file_rank = e->file_rank[e->file_of[i]],
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

/* Fills e->file_rank from the distinct files found by build_search(). */
static int rank_files(entry *e)
{
    file_item *items = malloc((e->nfiles ? e->nfiles : 1) * sizeof *items);
    e->file_rank = malloc((e->nfiles ? e->nfiles : 1) * sizeof *e->file_rank);
    if (!items || !e->file_rank) {
        free(items);
        return -1;
    }
    for (uint32_t i = 0; i < e->nfiles; i++)
        items[i] = (file_item){e->file_text[i], i};
    qsort(items, e->nfiles, sizeof *items, compare_files);
    for (uint32_t r = 0; r < e->nfiles; r++)
        e->file_rank[items[r].index] = r;
    free(items);
    return 0;
}

typedef struct sort_job {
    entry *e;
    pv_sort_key key;
    int rc;
} sort_job;

static void *sort_job_run(void *arg)
{
    sort_job *job = arg;
    job->rc = sort_key(job->e, job->key);
    return NULL;
}

/* Fills e->order: the name sort (the slowest, all string comparisons) on a
 * second thread, the others here. Returns 0, or -1 with err filled. */
static int build_orders(entry *e, pv_error *err)
{
    if (rank_files(e) < 0) return pv_fail(err, -1, "out of memory sorting files");
    sort_job job = {.e = e, .key = PV_SORT_NAME, .rc = 0};
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, sort_job_run, &job) == 0;
    if (!threaded) sort_job_run(&job);
    int rc = 0;
    for (int k = 0; k < PV_SORT_COUNT; k++)
        if (k != PV_SORT_NAME && sort_key(e, (pv_sort_key)k) < 0) rc = -1;
    if (threaded) pthread_join(thread, NULL);
    if (rc < 0 || job.rc < 0)
        return pv_fail(err, -1, "out of memory sorting %u functions", e->profile->nfunctions);
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

/* Fills the search text of e. Files are stored once each, found with an
 * open-addressing table keyed by the string. Returns 0, or -1 with err filled
 * (also when the text would not fit 32-bit offsets). */
static int build_search(entry *e, pv_error *err)
{
    const pv_profile *p = e->profile;
    size_t n = p->nfunctions;
    size_t names_len = 0, files_len = 0;
    for (size_t i = 0; i < n; i++) {
        names_len += strlen(p->functions[i].name) + 1;
        files_len += strlen(p->functions[i].file) + 1;
    }
    if (names_len > UINT32_MAX || files_len > UINT32_MAX)
        return pv_fail(err, -1, "names and files are too long to index (%zu bytes)",
                       names_len + files_len);

    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t *table = malloc(cap * sizeof *table); /* file index + 1, 0 = empty */
    e->names_lc = malloc(names_len ? names_len : 1);
    e->name_at = malloc((n + 1) * sizeof *e->name_at);
    e->files_lc = malloc(files_len ? files_len : 1);
    e->file_at = malloc((n + 1) * sizeof *e->file_at);
    e->file_of = malloc((n ? n : 1) * sizeof *e->file_of);
    const char **file_first = malloc((n ? n : 1) * sizeof *file_first);
    e->file_text = file_first;
    if (!table || !e->names_lc || !e->name_at || !e->files_lc || !e->file_at || !e->file_of ||
        !file_first) {
        free(table);
        return pv_fail(err, -1, "out of memory indexing %zu functions", n);
    }
    memset(table, 0, cap * sizeof *table);

    for (size_t i = 0; i < n; i++) {
        const pv_function *f = &p->functions[i];
        e->name_at[i] = (uint32_t)e->names_lc_len;
        append_lower(e->names_lc, &e->names_lc_len, f->name);

        size_t slot = (size_t)hash_string(f->file) & (cap - 1);
        for (;;) {
            uint32_t t = table[slot];
            if (t == 0) {
                uint32_t idx = e->nfiles++;
                table[slot] = idx + 1;
                file_first[idx] = f->file;
                e->file_at[idx] = (uint32_t)e->files_lc_len;
                append_lower(e->files_lc, &e->files_lc_len, f->file);
                e->file_of[i] = idx;
                break;
            }
            const char *other = file_first[t - 1];
            if (other == f->file || strcmp(other, f->file) == 0) {
                e->file_of[i] = t - 1;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
    }
    e->name_at[n] = (uint32_t)e->names_lc_len;
    e->file_at[e->nfiles] = (uint32_t)e->files_lc_len;
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
    const entry *e = (const entry *)pub;
    size_t n = e->profile->nfunctions;
    const uint32_t *order = e->order[query->sort][query->descending ? 1 : 0];
    *ids = NULL;
    *nids = 0;
    *total = 0;

    if (!query->q || !query->q[0]) {
        *total = n;
        if (query->offset >= n || query->limit == 0) return 0;
        size_t count = n - query->offset < query->limit ? n - query->offset : query->limit;
        *ids = malloc(count * sizeof **ids);
        if (!*ids) return pv_fail(err, -1, "out of memory");
        memcpy(*ids, order + query->offset, count * sizeof **ids);
        *nids = count;
        return 0;
    }

    size_t needle_len = strlen(query->q);
    char *needle = malloc(needle_len + 1);
    unsigned char *name_hit = calloc(n ? n : 1, 1);
    unsigned char *file_hit = calloc(e->nfiles ? e->nfiles : 1, 1);
    size_t page_cap = query->limit < n ? query->limit : n;
    uint32_t *page = malloc((page_cap ? page_cap : 1) * sizeof *page);
    if (!needle || !name_hit || !file_hit || !page) {
        pv_fail(err, -1, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i <= needle_len; i++)
        needle[i] = lower_ascii(query->q[i]);

    mark_matches(e->names_lc, e->names_lc_len, e->name_at, n, needle, needle_len, name_hit);
    mark_matches(e->files_lc, e->files_lc_len, e->file_at, e->nfiles, needle, needle_len, file_hit);

    size_t matched = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = order[i];
        if (!name_hit[id] && !file_hit[e->file_of[id]]) continue;
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

/* ---- Entries ------------------------------------------------------------ */

static void entry_free(entry *e)
{
    if (!e) return;
    pv_profile_free(e->profile);
    free(e->name);
    for (int k = 0; k < PV_SORT_COUNT; k++) {
        free(e->order[k][0]);
        free(e->order[k][1]);
    }
    free(e->names_lc);
    free(e->name_at);
    free(e->files_lc);
    free(e->file_at);
    free(e->file_of);
    free(e->file_text);
    free(e->file_rank);
    free(e);
}

/* Makes an entry of profile (which it takes over in every case). Returns it,
 * or NULL with err filled. */
static entry *entry_new(pv_profile *profile, const char *name, uint64_t hash, size_t bytes,
                        pv_error *err)
{
    entry *e = calloc(1, sizeof *e);
    if (!e) {
        pv_profile_free(profile);
        pv_fail(err, -1, "out of memory");
        return NULL;
    }
    e->profile = profile;
    e->name = strdup(name);
    if (!e->name) {
        pv_fail(err, -1, "out of memory");
        goto fail;
    }
    if (build_search(e, err) < 0 || build_orders(e, err) < 0) goto fail;
    snprintf(e->pub.id, sizeof e->pub.id, "%012llx",
             (unsigned long long)(hash >> (64 - 4 * PV_REGISTRY_ID_LEN)));
    e->pub.name = e->name;
    e->pub.profile = e->profile;
    e->pub.bytes = bytes;
    return e;

fail:
    entry_free(e);
    return NULL;
}

/* Adds e unless an entry with its id is held (then e is freed). Copies the id
 * to id_out when not NULL. Returns 0, or -1 with err filled (e freed). */
static int registry_add(pv_registry *reg, entry *e, char *id_out, pv_error *err)
{
    if (id_out) memcpy(id_out, e->pub.id, sizeof e->pub.id);
    pthread_mutex_lock(&reg->lock);
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->entries[i]->pub.id, e->pub.id) == 0) {
            pthread_mutex_unlock(&reg->lock);
            entry_free(e);
            return 0;
        }
    }
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? 2 * reg->cap : 8;
        entry **grown = realloc(reg->entries, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&reg->lock);
            entry_free(e);
            return pv_fail(err, -1, "out of memory");
        }
        reg->entries = grown;
        reg->cap = cap;
    }
    reg->entries[reg->count++] = e;
    pthread_mutex_unlock(&reg->lock);
    return 0;
}

pv_registry *pv_registry_new(pv_error *err)
{
    pv_registry *reg = calloc(1, sizeof *reg);
    if (!reg) {
        pv_fail(err, -1, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&reg->lock, NULL) != 0) {
        free(reg);
        pv_fail(err, -1, "cannot create a mutex");
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
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

size_t pv_registry_count(pv_registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->count;
    pthread_mutex_unlock(&reg->lock);
    return n;
}

const pv_registry_entry *pv_registry_acquire(pv_registry *reg, const char *id)
{
    const pv_registry_entry *found = NULL;
    pthread_mutex_lock(&reg->lock);
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->entries[i]->pub.id, id) == 0) {
            reg->entries[i]->refs++;
            found = &reg->entries[i]->pub;
            break;
        }
    }
    pthread_mutex_unlock(&reg->lock);
    return found;
}

void pv_registry_release(pv_registry *reg, const pv_registry_entry *pub)
{
    if (!pub) return;
    entry *e = (entry *)pub;
    pthread_mutex_lock(&reg->lock);
    e->refs--;
    pthread_mutex_unlock(&reg->lock);
}

int pv_registry_snapshot(pv_registry *reg, const pv_registry_entry ***out, size_t *count,
                         pv_error *err)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->count;
    const pv_registry_entry **list = malloc((n ? n : 1) * sizeof *list);
    if (!list) {
        pthread_mutex_unlock(&reg->lock);
        return pv_fail(err, -1, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        reg->entries[i]->refs++;
        list[i] = &reg->entries[i]->pub;
    }
    pthread_mutex_unlock(&reg->lock);
    *out = list;
    *count = n;
    return 0;
}

/* ---- Loading ------------------------------------------------------------ */

/* Reads the whole file at path. Returns 0 and sets *out (caller frees) and
 * *len, or -1 with err filled (offset -1). */
static int read_file(const char *path, unsigned char **out, size_t *len, pv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return pv_fail(err, -1, "%s", strerror(errno));
    size_t cap = 1 << 16, used = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return pv_fail(err, -1, "out of memory reading the file");
    }
    for (;;) {
        if (used == cap) {
            if (cap > SIZE_MAX / 2) {
                pv_fail(err, -1, "the file is too large");
                goto fail;
            }
            unsigned char *grown = realloc(buf, cap * 2);
            if (!grown) {
                pv_fail(err, -1, "out of memory reading the file");
                goto fail;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                pv_fail(err, -1, "%s", strerror(errno ? errno : EIO));
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

/* Parses data (gzip-compressed or not) through the loader every command
 * uses. Returns 0 and sets *profile and *hash (continued from *hash over the
 * length and the bytes as given), or -1 with err filled (no file name). */
static int parse_bytes(const unsigned char *data, size_t len, pv_profile **profile, uint64_t *hash,
                       pv_error *err)
{
    uint64_t n64 = len;
    *hash = pv_registry_hash(*hash, &n64, sizeof n64);
    *hash = pv_registry_hash(*hash, data, len);
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
    if (!err) return -1;
    char message[PV_ERROR_MESSAGE_MAX];
    memcpy(message, err->message, sizeof message);
    return pv_fail(err, err->offset, "%s: %s", path, message);
}

int pv_registry_add_bytes(pv_registry *reg, const char *name, const unsigned char *data, size_t len,
                          char *id_out, pv_error *err)
{
    pv_profile *profile = NULL;
    uint64_t hash = PV_REGISTRY_HASH_SEED;
    if (parse_bytes(data, len, &profile, &hash, err) < 0) return -1;
    entry *e = entry_new(profile, name, hash, len, err);
    if (!e) return -1;
    return registry_add(reg, e, id_out, err);
}

int pv_registry_load_file(pv_registry *reg, const char *path, char *id_out, pv_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_file(path, &data, &len, err) < 0) return fail_with_path(err, path);
    int rc = pv_registry_add_bytes(reg, base_name(path), data, len, id_out, err);
    free(data);
    return rc < 0 ? fail_with_path(err, path) : 0;
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
    if (npaths == 0) return pv_fail(err, -1, "nothing to merge");
    pv_profile **parts = calloc(npaths, sizeof *parts);
    if (!parts) return pv_fail(err, -1, "out of memory");
    uint64_t hash = PV_REGISTRY_HASH_SEED;
    size_t total_bytes = 0;
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
    }
    merged = pv_profile_merge((const pv_profile *const *)parts, npaths, err);
    if (!merged) goto done;
    char name[512];
    merged_name(paths, npaths, name, sizeof name);
    entry *e = entry_new(merged, name, hash, total_bytes, err);
    if (!e) goto done;
    rc = registry_add(reg, e, id_out, err);

done:
    for (size_t i = 0; i < npaths; i++)
        pv_profile_free(parts[i]);
    free(parts);
    return rc;
}
