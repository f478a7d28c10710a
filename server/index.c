/* index.c: sort orders and search text of a profile's function table (see
 * index.h; the search text is search.h's). Numeric keys are radix-sorted (stable, from id order, so
 * ties come out by id); names by the radix sort of their 8-byte slices (pv_sort_ids_by_text), ties
 * by file, line and id; files from the name order, sorted again by line and by the file's rank; the
 * descending orders are derived from the ascending ones, keeping each run of ties in ascending id
 * order.
 */
#include "index.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "sort.h"
#include "source.h"

struct pv_index {
    const pv_profile *profile;         /* borrowed */
    uint32_t *order[PV_SORT_COUNT][2]; /* [key][0] ascending, [key][1] descending */
    pv_search *search;                 /* the search text (search.h) */
    uint32_t nfiles;                   /* distinct file strings */
    uint32_t *file_of;                 /* per function, index of its file */
    const char **file_text;            /* per distinct file, its text (in the profile) */
    uint32_t *file_rank;               /* per distinct file, its rank in strcmp order */
};

static const struct {
    const char *name, *title;
} sort_keys[PV_SORT_COUNT] = {
    [PV_SORT_TOTTIME] = {"tottime", "internal time"},
    [PV_SORT_CUMTIME] = {"cumtime", "cumulative time"},
    [PV_SORT_NCALLS] = {"ncalls", "call count"},
    [PV_SORT_PCALLS] = {"pcalls", "primitive call count"},
    [PV_SORT_NAME] = {"name", "function name"},
    [PV_SORT_FILE] = {"file", "file name"},
    [PV_SORT_TOTTIME_PERCALL] = {"tottime_percall", "internal time per call"},
    [PV_SORT_CUMTIME_PERCALL] = {"cumtime_percall", "cumulative time per primitive call"},
};

int pv_index_sort_key_from_name(const char *name)
{
    for (int k = 0; k < PV_SORT_COUNT; k++)
        if (strcmp(name, sort_keys[k].name) == 0) return k;
    return -1;
}

/* ---- Sorting ------------------------------------------------------------ */

/* Numeric keys: pv_sort_key_items (parser/sort.h) from id order, so ties
 * come out by ascending id. */
typedef pv_key_item num_item;

/* Text keys: the file is represented by its rank among the distinct files. */
typedef struct text_item {
    const char *name;
    uint32_t file_rank;
    uint32_t id;
    int64_t line;
} text_item;

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

/* Functions of equal name: file, then line (then id, as given). */
static int tie_after_name(const void *context, uint32_t a, uint32_t b)
{
    const text_item *it = context;
    if (it[a].file_rank != it[b].file_rank) return it[a].file_rank < it[b].file_rank ? -1 : 1;
    return compare_line(it[a].line, it[b].line);
}

/* Fills asc with the ids by name, then file, then line, then id (it[] is
 * by id): the names through the text radix sort. Returns 0, or -1 when out
 * of memory. */
static int sort_by_name(const pv_index *t, const text_item *it, uint32_t *asc)
{
    size_t n = t->profile->nfunctions;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names) return -1;
    for (size_t i = 0; i < n; i++) {
        asc[i] = (uint32_t)i;
        names[i] = it[i].name;
    }
    int rc = pv_sort_ids_by_text(asc, names, n, tie_after_name, it);
    free(names);
    return rc;
}

/* Fills asc with the ids by file, then line, then name, then id: the name
 * order (built first, in t) sorted again, stably, by line and then by the
 * file's rank, two radix sorts. Returns 0, or -1 when out of memory. */
static int sort_by_file(const pv_index *t, const text_item *it, uint32_t *asc)
{
    size_t n = t->profile->nfunctions;
    const uint32_t *by_name = t->order[PV_SORT_NAME][0];
    pv_key_item *items = malloc((n ? n : 1) * sizeof *items);
    if (!items) return -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = by_name[i];
        items[i] = (pv_key_item){(uint64_t)it[id].line ^ (UINT64_C(1) << 63), id};
    }
    int rc = pv_sort_key_items(items, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        items[i].key = it[items[i].id].file_rank;
    if (rc == 0) rc = pv_sort_key_items(items, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        asc[i] = items[i].id;
    free(items);
    return rc;
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
static int sort_key(pv_index *t, pv_sort_key key)
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
        int rc = by_name ? sort_by_name(t, it, asc) : sort_by_file(t, it, asc);
        if (rc == 0) {
            /* The items in ascending order, for the ties of descending. */
            text_item *in_order = malloc((n ? n : 1) * sizeof *in_order);
            if (!in_order) rc = -1;
            for (size_t i = 0; in_order && i < n; i++)
                in_order[i] = it[asc[i]];
            if (in_order)
                derive_descending(asc, desc, n, in_order, by_name ? same_name : same_file);
            free(in_order);
        }
        free(it);
        return rc;
    }
    num_item *it = malloc((n ? n : 1) * sizeof *it);
    if (!it) return -1;
    for (size_t i = 0; i < n; i++)
        it[i] = (num_item){.key = pv_sort_key_of_double(numeric_key(&p->functions[i], key)),
                           .id = (uint32_t)i};
    if (pv_sort_key_items(it, n) != 0) {
        free(it);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        asc[i] = it[i].id;
    derive_descending(asc, desc, n, it, same_num);
    free(it);
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

/* Fills t->file_rank from the distinct files found by build_files(). */
static int rank_files(pv_index *t)
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
    pv_index *t;
    int rc;
} sort_job;

static void *sort_job_run(void *arg)
{
    sort_job *job = arg;
    job->rc = sort_key(job->t, PV_SORT_NAME);
    if (job->rc == 0) job->rc = sort_key(job->t, PV_SORT_FILE);
    return NULL;
}

/* Fills t->order: the text sorts (name, then file from it) on a second
 * thread, the numbers here. Returns 0, or -1 with err filled. */
static int build_orders(pv_index *t, pv_error *err)
{
    if (rank_files(t) < 0) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory sorting files");
    sort_job job = {.t = t, .rc = 0};
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, sort_job_run, &job) == 0;
    if (!threaded) sort_job_run(&job);
    int rc = 0;
    for (int k = 0; k < PV_SORT_COUNT; k++)
        if (k != PV_SORT_NAME && k != PV_SORT_FILE && sort_key(t, (pv_sort_key)k) < 0) rc = -1;
    if (threaded) pthread_join(thread, NULL);
    if (rc < 0 || job.rc < 0)
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory sorting %u functions",
                       t->profile->nfunctions);
    return 0;
}

/* ---- Distinct files ---------------------------------------------------- */

static uint64_t hash_string(const char *s)
{
    return pv_source_hash(PV_SOURCE_HASH_SEED, s, strlen(s));
}

/* Finds the distinct file strings of t's profile (equal text is one file,
 * whatever its address), for the file order's ranks: t->file_of, nfiles and
 * file_text. An open-addressing table keyed by the string. Returns 0, or -1
 * with err filled. */
static int build_files(pv_index *t, pv_error *err)
{
    const pv_profile *p = t->profile;
    size_t n = p->nfunctions;
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t *table = calloc(cap, sizeof *table); /* file index + 1, 0 = empty */
    t->file_of = malloc((n ? n : 1) * sizeof *t->file_of);
    const char **file_first = malloc((n ? n : 1) * sizeof *file_first);
    t->file_text = file_first;
    if (!table || !t->file_of || !file_first) {
        free(table);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory indexing %zu functions", n);
    }
    for (size_t i = 0; i < n; i++) {
        const char *file = p->functions[i].file;
        size_t slot = (size_t)hash_string(file) & (cap - 1);
        for (;;) {
            uint32_t held = table[slot];
            if (held == 0) {
                uint32_t idx = t->nfiles++;
                table[slot] = idx + 1;
                file_first[idx] = file;
                t->file_of[i] = idx;
                break;
            }
            const char *other = file_first[held - 1];
            if (other == file || strcmp(other, file) == 0) {
                t->file_of[i] = held - 1;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
    }
    free(table);
    return 0;
}

int pv_index_query(const pv_index *t, const pv_function_query *query, uint32_t **ids, size_t *nids,
                   size_t *total, pv_error *err)
{
    size_t n = t->profile->nfunctions;
    const uint32_t *order = t->order[query->sort][query->descending ? 1 : 0];
    *ids = NULL;
    *nids = 0;
    *total = 0;

    if ((!query->q || !query->q[0]) && !query->only) {
        *total = n;
        if (query->offset >= n || query->limit == 0) return 0;
        size_t count = n - query->offset < query->limit ? n - query->offset : query->limit;
        *ids = malloc(count * sizeof **ids);
        if (!*ids) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        memcpy(*ids, order + query->offset, count * sizeof **ids);
        *nids = count;
        return 0;
    }

    bool filtered = query->q && query->q[0];
    unsigned char *hit = filtered ? calloc(n ? n : 1, 1) : NULL;
    size_t page_cap = query->limit < n ? query->limit : n;
    uint32_t *page = malloc((page_cap ? page_cap : 1) * sizeof *page);
    if ((filtered && !hit) || !page) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    if (filtered && pv_search_mark(t->search, query->q, hit, err) < 0) goto fail;

    size_t matched = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = order[i];
        if (filtered && !hit[id]) continue;
        if (query->only && !query->only[id]) continue;
        if (matched >= query->offset && count < page_cap) page[count++] = id;
        matched++;
    }
    free(hit);
    *total = matched;
    if (count == 0) {
        free(page);
        return 0;
    }
    *ids = page;
    *nids = count;
    return 0;

fail:
    free(hit);
    free(page);
    return -1;
}

const char *pv_index_sort_key_name(pv_sort_key key)
{
    return key >= 0 && key < PV_SORT_COUNT ? sort_keys[key].name : "";
}

const char *pv_index_sort_key_title(pv_sort_key key)
{
    return key >= 0 && key < PV_SORT_COUNT ? sort_keys[key].title : "";
}

double pv_index_sort_value(const pv_function *f, pv_sort_key key)
{
    return numeric_key(f, key);
}

bool pv_index_sort_is_text(pv_sort_key key)
{
    return key == PV_SORT_NAME || key == PV_SORT_FILE;
}

void pv_index_free(pv_index *t)
{
    if (!t) return;
    for (int k = 0; k < PV_SORT_COUNT; k++) {
        free(t->order[k][0]);
        free(t->order[k][1]);
    }
    pv_search_free(t->search);
    free(t->file_of);
    free(t->file_text);
    free(t->file_rank);
    free(t);
}

size_t pv_index_memory(const pv_index *t)
{
    size_t n = t->profile->nfunctions;
    size_t bytes = sizeof *t + 2 * (size_t)PV_SORT_COUNT * n * sizeof(uint32_t);
    bytes += pv_search_memory(t->search) + n * sizeof(uint32_t);
    bytes += (size_t)t->nfiles * (sizeof(char *) + sizeof(uint32_t));
    return bytes;
}

int pv_index_build(const pv_profile *profile, pv_index **out, pv_error *err)
{
    pv_index *t = calloc(1, sizeof *t);
    if (!t) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    t->profile = profile;
    if (pv_search_build(profile, &t->search, err) < 0 || build_files(t, err) < 0 ||
        build_orders(t, err) < 0) {
        pv_index_free(t);
        return -1;
    }
    *out = t;
    return 0;
}
