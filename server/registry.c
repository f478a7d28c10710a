/* registry.c: profiles by content id, with reference counts and the
 * memory-bounded cache of the ones backed by a file.
 *
 * A profile and its function index (index.h) are one `pv_tables` value
 * (registry_tables.c); an entry backed by a file may drop its tables
 * (eviction, least recently used first, never while a request holds the
 * entry) and rebuild them from the file when it is next acquired. Reading
 * files is source.h's.
 */
#include "registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"
#include "source.h"

/* The private side of an entry; `pub` must stay first. Every field but the
 * immutable ones (pub.id, name, path) is guarded by the registry's mutex. */
typedef struct pv_registry_item {
    pv_registry_entry pub;
    char *name;
    char *path;   /* the file to rebuild the tables from, or NULL: never evicted */
    pv_tables *t; /* NULL while evicted */
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
    size_t cache_limit;   /* bytes; 0 = no limit */
    size_t cache_used;    /* memory of loaded entries that have a path and are listed */
    size_t charged;       /* memory the companion holds, counted with cache_used */
    bool index_on_demand; /* loaded files build their index at the first table query */
    void *companion;      /* see pv_registry_companion; freed with the registry */
    void (*companion_free)(void *companion);
    uint64_t tick;
    pv_source_limits limits; /* for files read again after eviction */
};

/* ---- Entries ----------------------------------------------------------- */

static void entry_free(entry *e)
{
    if (!e) return;
    pv_tables_free(e->t);
    free(e->name);
    free(e->path);
    free(e);
}

/* Makes an entry of profile (which it takes over in every case), its id from
 * hash. Returns it, or NULL with err filled. */
static entry *entry_new(pv_profile *profile, const char *name, uint64_t hash, size_t bytes,
                        bool on_demand, pv_error *err)
{
    entry *e = calloc(1, sizeof *e);
    if (!e || !(e->name = strdup(name))) {
        free(e);
        pv_profile_free(profile);
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    e->t = pv_tables_new(profile, on_demand, err);
    if (!e->t) {
        entry_free(e);
        return NULL;
    }
    pv_source_format_id(hash, e->pub.id);
    e->pub.name = e->name;
    e->pub.profile = profile;
    e->pub.bytes = bytes;
    e->pub.functions = profile->nfunctions;
    e->pub.total_calls = profile->total_calls;
    e->pub.primitive_calls = profile->primitive_calls;
    e->pub.total_time = profile->total_time;
    return e; /* memory: counted when it joins the cache (registry_add) */
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
    while (reg->cache_limit && reg->cache_used + reg->charged > reg->cache_limit) {
        entry *victim = NULL;
        for (size_t i = 0; i < reg->count; i++) {
            entry *c = reg->entries[i];
            if (counted(c) && c->refs == 0 && !c->loading &&
                (!victim || c->last_used < victim->last_used))
                victim = c;
        }
        if (!victim) return;
        reg->cache_used -= victim->memory;
        pv_tables_free(victim->t);
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
    /* Cached entries count their memory, index included: wait for it here,
     * not under the lock. */
    if (e->path && e->t) e->memory = pv_tables_memory(e->t);
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
    if (reg->companion) reg->companion_free(reg->companion);
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

void *pv_registry_companion(pv_registry *reg, void *(*make)(void), void (*free_fn)(void *))
{
    pthread_mutex_lock(&reg->lock);
    if (!reg->companion && (reg->companion = make())) reg->companion_free = free_fn;
    void *c = reg->companion;
    pthread_mutex_unlock(&reg->lock);
    return c;
}

void pv_registry_charge(pv_registry *reg, size_t bytes)
{
    pthread_mutex_lock(&reg->lock);
    reg->charged += bytes;
    evict_locked(reg);
    pthread_mutex_unlock(&reg->lock);
}

void pv_registry_discharge(pv_registry *reg, size_t bytes)
{
    pthread_mutex_lock(&reg->lock);
    reg->charged -= bytes < reg->charged ? bytes : reg->charged;
    pthread_mutex_unlock(&reg->lock);
}

bool pv_registry_over_limit(pv_registry *reg, size_t bytes)
{
    pthread_mutex_lock(&reg->lock);
    bool over = reg->cache_limit && reg->cache_used + reg->charged + bytes > reg->cache_limit;
    pthread_mutex_unlock(&reg->lock);
    return over;
}

size_t pv_registry_charged(pv_registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    size_t n = reg->charged;
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

static pv_tables *rebuild(pv_registry *reg, const entry *e, pv_error *err);

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
        pv_tables *t = rebuild(reg, e, &err);
        size_t memory = t ? pv_tables_memory(t) : 0;
        pthread_mutex_lock(&reg->lock);
        e->loading = false;
        pthread_cond_broadcast(&reg->loaded);
        if (t) {
            e->t = t;
            e->pub.profile = pv_tables_profile(t);
            e->memory = memory;
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

int pv_registry_query_functions(const pv_registry_entry *pub, const pv_function_query *query,
                                uint32_t **ids, size_t *nids, size_t *total, pv_error *err)
{
    const pv_index *index = pv_tables_index(((const entry *)pub)->t, true, err);
    if (!index) return -1;
    return pv_index_query(index, query, ids, nids, total, err);
}

void pv_registry_set_source_limits(pv_registry *reg, const pv_source_limits *limits)
{
    pthread_mutex_lock(&reg->lock);
    reg->limits = *limits;
    pthread_mutex_unlock(&reg->lock);
}

int pv_registry_build(const pv_source *src, const char *name, pv_registry_item **out, pv_error *err)
{
    pv_profile *profile = NULL;
    *out = NULL;
    if (pv_source_parse(src, 0, &profile, err) < 0) return -1;
    *out = entry_new(profile, name, src->hash, src->raw_len, false, err);
    if (*out) (*out)->pub.modified = src->modified;
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
 * NULL with err filled (also when the file no longer has the entry's id,
 * which is seen before parsing anything). */
static pv_tables *rebuild(pv_registry *reg, const entry *e, pv_error *err)
{
    pthread_mutex_lock(&reg->lock);
    pv_source_limits limits = reg->limits;
    pthread_mutex_unlock(&reg->lock);
    pv_source src;
    if (pv_source_open(e->path, true, &limits, &src, err) < 0) return NULL;
    if (strcmp(src.id, e->pub.id) != 0) {
        pv_source_close(&src);
        pv_fail(err, PV_ERR_NOT_FOUND, -1, "the file has changed");
        return NULL;
    }
    pv_profile *profile = NULL;
    int rc = pv_source_parse(&src, 0, &profile, err);
    pv_source_close(&src);
    return rc < 0 ? NULL : pv_tables_new(profile, false, err);
}

/* ---- For registry_load.c (registry_internal.h) ----------------------------- */

pv_registry_item *pv_registry_item_new(pv_profile *profile, const char *name, uint64_t hash,
                                       size_t bytes, int64_t modified, bool on_demand,
                                       pv_error *err)
{
    entry *e = entry_new(profile, name, hash, bytes, on_demand, err);
    if (e) e->pub.modified = modified;
    return e;
}

int pv_registry_add_item(pv_registry *reg, pv_registry_item *item, char *id_out, pv_error *err)
{
    return registry_add(reg, item, id_out, err);
}

pv_source_limits pv_registry_source_limits(pv_registry *reg, bool *on_demand)
{
    pthread_mutex_lock(&reg->lock);
    pv_source_limits limits = reg->limits;
    if (on_demand) *on_demand = reg->index_on_demand;
    pthread_mutex_unlock(&reg->lock);
    return limits;
}

void pv_registry_set_index_on_demand(pv_registry *reg, bool on)
{
    pthread_mutex_lock(&reg->lock);
    reg->index_on_demand = on;
    pthread_mutex_unlock(&reg->lock);
}
