/* registry_load.c: reading profiles into the registry (registry.h): files
 * one by one, files side by side on two threads, merged files, and bytes.
 * The list and the cache are registry.c's. */
#include "registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"
#include "source.h"

#define LOAD_THREADS 2 /* files parsed at once by pv_registry_load_files */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

int pv_registry_add_bytes(pv_registry *reg, const char *name, const unsigned char *data, size_t len,
                          char *id_out, pv_error *err)
{
    pv_source_limits limits = pv_registry_source_limits(reg, NULL);
    pv_source src;
    if (pv_source_from_bytes(data, len, &limits, &src, err) < 0) return -1;
    pv_registry_item *item = NULL;
    int rc = pv_registry_build(&src, name, &item, err);
    pv_source_close(&src);
    if (rc < 0) return -1;
    return pv_registry_insert(reg, item, NULL, NULL, 0, id_out, err) < 0 ? -1 : 0;
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

/* Parses the files in paths into one item (merged when more than one).
 * Returns it, or NULL with err filled. */
static pv_registry_item *load_item(const pv_source_limits *limits, bool on_demand,
                                   const char *const *paths, size_t npaths, pv_error *err)
{
    if (npaths == 0) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "nothing to merge");
        return NULL;
    }
    pv_profile *profile = NULL;
    uint64_t hash = 0;
    size_t bytes = 0, failed = 0;
    int64_t modified = 0;
    if (pv_source_load(paths, npaths, 0, limits, &profile, &hash, &bytes, &modified, &failed, err) <
        0)
        return NULL;
    char name[512];
    merged_name(paths, npaths, name, sizeof name);
    return pv_registry_item_new(profile, name, hash, bytes, modified, on_demand, err);
}

int pv_registry_load_merged(pv_registry *reg, const char *const *paths, size_t npaths, char *id_out,
                            pv_error *err)
{
    bool on_demand = false;
    pv_source_limits limits = pv_registry_source_limits(reg, &on_demand);
    pv_registry_item *item = load_item(&limits, on_demand, paths, npaths, err);
    if (!item) return -1;
    return pv_registry_add_item(reg, item, id_out, err) < 0 ? -1 : 0;
}

int pv_registry_load_file(pv_registry *reg, const char *path, char *id_out, pv_error *err)
{
    return pv_registry_load_merged(reg, &path, 1, id_out, err);
}

/* ---- Files side by side ------------------------------------------------------ */

typedef struct loading {
    pthread_mutex_t lock;
    size_t next; /* the next file to take */
    const char *const *paths;
    size_t npaths;
    pv_source_limits limits;
    bool on_demand;
    pv_registry_item **items; /* [npaths]: NULL where it failed (errs says why) */
    pv_error *errs;
} loading;

/* Takes files from l until none is left. */
static void *load_worker(void *arg)
{
    loading *l = arg;
    for (;;) {
        pthread_mutex_lock(&l->lock);
        size_t i = l->next++;
        pthread_mutex_unlock(&l->lock);
        if (i >= l->npaths) return NULL;
        l->items[i] = load_item(&l->limits, l->on_demand, &l->paths[i], 1, &l->errs[i]);
    }
}

int pv_registry_load_files(pv_registry *reg, const char *const *paths, size_t npaths,
                           char (*ids_out)[PV_REGISTRY_ID_LEN + 1], size_t *failed, pv_error *err)
{
    *failed = npaths;
    loading l = {.paths = paths, .npaths = npaths};
    l.limits = pv_registry_source_limits(reg, &l.on_demand);
    l.items = calloc(npaths ? npaths : 1, sizeof *l.items);
    l.errs = calloc(npaths ? npaths : 1, sizeof *l.errs);
    if (!l.items || !l.errs || pthread_mutex_init(&l.lock, NULL) != 0) {
        free(l.items);
        free(l.errs);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    pthread_t threads[LOAD_THREADS - 1];
    size_t started = 0;
    while (started < LOAD_THREADS - 1 && started + 1 < npaths &&
           pthread_create(&threads[started], NULL, load_worker, &l) == 0)
        started++;
    load_worker(&l);
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&l.lock);
    /* In the order given, up to the first that failed. */
    int rc = 0;
    for (size_t i = 0; i < npaths; i++) {
        if (rc == 0 && !l.items[i]) {
            *err = l.errs[i];
            *failed = i;
            rc = -1;
        } else if (rc == 0 &&
                   pv_registry_add_item(reg, l.items[i], ids_out ? ids_out[i] : NULL, err) < 0) {
            *failed = i;
            rc = -1;
        } else if (rc < 0) {
            pv_registry_item_free(l.items[i]);
        }
    }
    free(l.items);
    free(l.errs);
    return rc;
}
