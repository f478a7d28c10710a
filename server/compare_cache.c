/* compare_cache.c: comparisons and their sort orders beside a registry
 * (see compare_cache.h). One mutex guards the slots, the orders and the
 * background thread's state; orders are computed with it released, and
 * one condition tells waiters that an order came or the thread went idle. */
#include "compare_cache.h"

#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pv_compare_cached {
    char base[PV_REGISTRY_ID_LEN + 1], new_[PV_REGISTRY_ID_LEN + 1];
    pv_compare *cmp;
    uint32_t *orders[PV_CKEY_COUNT][2][2]; /* [key][mode][descending] */
    bool computing[PV_CKEY_COUNT][2][2];   /* being computed by some thread */
    bool text_below;      /* the text orders are being made below requests in priority */
    pv_search *search[2]; /* BASE's and NEW's search text, once made */
    bool searching;       /* being made by some thread */
    bool prepared;        /* its text orders were given to the thread */
    size_t bytes;         /* charged to the registry */
    unsigned refs;
    bool evicted;
    uint64_t used;
};

struct pv_compare_cache {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* an order was computed (or given up on), or the thread went idle */
    pv_compare_cached *slots[PV_API_COMPARE_CACHE];
    uint64_t clock;
    pthread_t thread;
    bool thread_started; /* not joined yet */
    bool thread_busy;    /* working on a comparison */
};

static void cached_free(pv_compare_cached *c)
{
    if (!c) return;
    pv_compare_free(c->cmp);
    pv_search_free(c->search[0]);
    pv_search_free(c->search[1]);
    for (int k = 0; k < PV_CKEY_COUNT; k++)
        for (int m = 0; m < 2; m++)
            for (int d = 0; d < 2; d++)
                free(c->orders[k][m][d]);
    free(c);
}

static void *cache_make(void)
{
    pv_compare_cache *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        free(k);
        return NULL;
    }
    if (pthread_cond_init(&k->changed, NULL) != 0) {
        pthread_mutex_destroy(&k->lock);
        free(k);
        return NULL;
    }
    return k;
}

/* Frees the cache with its registry: no request runs any more; the
 * background thread is waited for (it gives back what it holds first). */
static void cache_destroy(void *arg)
{
    pv_compare_cache *k = arg;
    if (k->thread_started) pthread_join(k->thread, NULL);
    for (size_t i = 0; i < PV_API_COMPARE_CACHE; i++)
        cached_free(k->slots[i]);
    pthread_cond_destroy(&k->changed);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

pv_compare_cache *pv_compare_cache_of(pv_registry *reg)
{
    return pv_registry_companion(reg, cache_make, cache_destroy);
}

/* Takes slot i out of the cache (lock held); freed now or at its last
 * release, its memory given back to reg then. */
static void drop_locked(pv_compare_cache *k, pv_registry *reg, size_t i)
{
    pv_compare_cached *c = k->slots[i];
    k->slots[i] = NULL;
    c->evicted = true;
    if (c->refs == 0) {
        pv_registry_discharge(reg, c->bytes);
        cached_free(c);
    }
}

/* Makes room for bytes more (lock held): drops the least recently used
 * comparisons that no request holds, other than keep, while the registry's
 * cache would pass its limit; then charges bytes to it. */
static void charge_locked(pv_compare_cache *k, pv_registry *reg, const pv_compare_cached *keep,
                          size_t bytes)
{
    while (pv_registry_over_limit(reg, bytes)) {
        size_t victim = PV_API_COMPARE_CACHE;
        for (size_t i = 0; i < PV_API_COMPARE_CACHE; i++) {
            pv_compare_cached *c = k->slots[i];
            if (c && c != keep && c->refs == 0 &&
                (victim == PV_API_COMPARE_CACHE || c->used < k->slots[victim]->used))
                victim = i;
        }
        if (victim == PV_API_COMPARE_CACHE) break;
        drop_locked(k, reg, victim);
    }
    pv_registry_charge(reg, bytes);
}

pv_compare_cached *pv_compare_cache_acquire(pv_compare_cache *k, pv_registry *reg,
                                            const pv_registry_entry *b, const pv_registry_entry *n,
                                            pv_error *err)
{
    pthread_mutex_lock(&k->lock);
    pv_compare_cached *found = NULL;
    size_t victim = 0;
    for (size_t i = 0; i < PV_API_COMPARE_CACHE; i++) {
        pv_compare_cached *c = k->slots[i];
        if (c && strcmp(c->base, b->id) == 0 && strcmp(c->new_, n->id) == 0) found = c;
        if (!c || (k->slots[victim] && c->used < k->slots[victim]->used)) victim = i;
    }
    if (!found) {
        /* Built under the lock: a second request for the same pair waits for
         * this one instead of doing the work again. */
        found = calloc(1, sizeof *found);
        if (!found || pv_compare_build(b->profile, n->profile, &found->cmp, err) < 0) {
            if (!found) pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
            free(found);
            pthread_mutex_unlock(&k->lock);
            return NULL;
        }
        memcpy(found->base, b->id, sizeof found->base);
        memcpy(found->new_, n->id, sizeof found->new_);
        const pv_compare *cmp = found->cmp;
        found->bytes = sizeof *found + sizeof *cmp + cmp->nrows * sizeof *cmp->rows +
                       ((size_t)cmp->nbase + cmp->nnew) * sizeof(uint32_t);
        if (k->slots[victim]) drop_locked(k, reg, victim);
        charge_locked(k, reg, NULL, found->bytes);
        k->slots[victim] = found;
    }
    found->refs++;
    found->used = ++k->clock;
    pthread_mutex_unlock(&k->lock);
    return found;
}

void pv_compare_cache_release(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c)
{
    if (!c) return;
    pthread_mutex_lock(&k->lock);
    bool gone = --c->refs == 0 && c->evicted;
    if (gone) pv_registry_discharge(reg, c->bytes);
    pthread_mutex_unlock(&k->lock);
    if (gone) cached_free(c);
}

const pv_compare *pv_compare_cached_comparison(const pv_compare_cached *c)
{
    return c->cmp;
}

static bool is_text(pv_compare_key key)
{
    return key == PV_CKEY_NAME || key == PV_CKEY_FILE;
}

const uint32_t *pv_compare_cache_ready(pv_compare_cache *k, pv_compare_cached *c,
                                       pv_compare_key key, pv_compare_mode mode, bool desc)
{
    if (is_text(key)) mode = PV_COMPARE_ABSOLUTE;
    pthread_mutex_lock(&k->lock);
    const uint32_t *order = c->orders[key][mode][desc];
    pthread_mutex_unlock(&k->lock);
    return order;
}

/* An order being made by one call of pv_compare_cache_order. */
typedef struct order_job {
    pv_compare_key key;
    int desc;
    uint32_t *made;
    bool done; /* handed over (or freed) */
} order_job;

/* What a call makes, and where it goes once made. */
typedef struct making {
    pv_compare_cache *k;
    pv_registry *reg;
    pv_compare_cached *c;
    pv_compare_mode mode;
    size_t size; /* bytes of one order */
    order_job want[4];
    size_t nwant;
} making;

/* Puts the made orders of m that only (or, with PV_CKEY_COUNT, any) key
 * names into c when ok, or frees them; tells the waiters. Part way (only
 * a key), an order that another call put into c first is kept here, not
 * freed: the sort may still read it (the file orders start from name_asc);
 * the last call, with PV_CKEY_COUNT, frees it. */
static void hand_over(making *m, pv_compare_key only, bool ok)
{
    pthread_mutex_lock(&m->k->lock);
    size_t added = 0;
    for (size_t i = 0; i < m->nwant; i++) {
        order_job *w = &m->want[i];
        if (w->done || (only != PV_CKEY_COUNT && w->key != only)) continue;
        uint32_t **slot = &m->c->orders[w->key][m->mode][w->desc];
        if (only != PV_CKEY_COUNT && *slot) continue;
        if (ok && !*slot) {
            *slot = w->made;
            added += m->size;
        } else {
            free(w->made);
        }
        w->made = NULL;
        w->done = true;
        m->c->computing[w->key][m->mode][w->desc] = false;
    }
    if (added) {
        m->c->bytes += added;
        charge_locked(m->k, m->reg, m->c, added);
    }
    pthread_cond_broadcast(&m->k->changed);
    pthread_mutex_unlock(&m->k->lock);
}

/* The name orders are made (the file orders come next): a request that
 * sorts by name need not wait for those. */
static void names_made(void *arg)
{
    hand_over(arg, PV_CKEY_NAME, true);
}

const uint32_t *pv_compare_cache_order(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c,
                                       const pv_registry_entry *b, const pv_registry_entry *n,
                                       pv_compare_key key, pv_compare_mode mode, bool desc,
                                       pv_error *err)
{
    bool text = is_text(key);
    if (text) mode = PV_COMPARE_ABSOLUTE; /* one pair of text orders serves both modes */
    pthread_mutex_lock(&k->lock);
    /* Another thread computing this order: wait for it (it may give up, out
     * of memory: then try here). Not for a text order made below requests
     * in priority (this would wait behind whatever else the machine runs):
     * that is made here too, and the first one made is kept. */
    bool own = text && c->text_below;
    while (!c->orders[key][mode][desc] && c->computing[key][mode][desc] && !own)
        pthread_cond_wait(&k->changed, &k->lock);
    const uint32_t *order = c->orders[key][mode][desc];
    if (order) {
        pthread_mutex_unlock(&k->lock);
        return order;
    }
    /* What this call makes: the order asked for or, for the text keys, the
     * four text orders at once (those no other thread is making). */
    making m = {.k = k, .reg = reg, .c = c, .mode = mode, .nwant = 0};
    m.size = (c->cmp->nrows ? c->cmp->nrows : 1) * sizeof(uint32_t);
    for (int t = 0; t < (text ? 2 : 1); t++) {
        pv_compare_key wk = text ? (t ? PV_CKEY_FILE : PV_CKEY_NAME) : key;
        for (int d = 0; d < 2; d++) {
            if (text ? c->orders[wk][mode][d] || (c->computing[wk][mode][d] && !own) : d != desc)
                continue;
            c->computing[wk][mode][d] = true;
            m.want[m.nwant++] = (order_job){wk, d, NULL, false};
        }
    }
    pthread_mutex_unlock(&k->lock);

    bool enough = true;
    for (size_t i = 0; i < m.nwant; i++)
        enough = (m.want[i].made = malloc(m.size)) != NULL && enough;
    int rc;
    if (!enough) {
        rc = pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    } else if (text) {
        pv_compare_text_orders to = {.names_done = names_made, .arg = &m};
        for (size_t i = 0; i < m.nwant; i++) {
            const order_job *w = &m.want[i];
            uint32_t **o = w->key == PV_CKEY_NAME ? w->desc ? &to.name_desc : &to.name_asc
                           : w->desc              ? &to.file_desc
                                                  : &to.file_asc;
            *o = w->made;
        }
        /* The file orders start from name_asc: made again, in scratch,
         * when another call made it before. The name orders are handed over
         * as soon as they are made (names_made), the file orders after. */
        uint32_t *scratch = to.name_asc ? NULL : malloc(m.size);
        if (!to.name_asc) to.name_asc = scratch;
        rc = to.name_asc ? pv_compare_sort_text_orders(c->cmp, b->profile, n->profile, &to, err)
                         : pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        free(scratch);
    } else {
        rc = pv_compare_sort(c->cmp, b->profile, n->profile, key, mode, desc, m.want[0].made, err);
    }
    hand_over(&m, PV_CKEY_COUNT, rc == 0);

    pthread_mutex_lock(&k->lock);
    order = c->orders[key][mode][desc];
    pthread_mutex_unlock(&k->lock);
    return order;
}

bool pv_compare_cache_search(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c,
                             const pv_registry_entry *b, const pv_registry_entry *n,
                             const pv_search **search, pv_error *err)
{
    pthread_mutex_lock(&k->lock);
    while (!c->search[0] && c->searching)
        pthread_cond_wait(&k->changed, &k->lock);
    bool make = !c->search[0];
    if (make) c->searching = true;
    pthread_mutex_unlock(&k->lock);
    pv_search *made[2] = {NULL, NULL};
    bool ok = !make || (pv_search_build(b->profile, &made[0], err) == 0 &&
                        pv_search_build(n->profile, &made[1], err) == 0);
    pthread_mutex_lock(&k->lock);
    if (make) {
        if (ok) {
            c->search[0] = made[0];
            c->search[1] = made[1];
            size_t bytes = pv_search_memory(made[0]) + pv_search_memory(made[1]);
            c->bytes += bytes;
            charge_locked(k, reg, c, bytes);
        } else {
            pv_search_free(made[0]);
        }
        c->searching = false;
        pthread_cond_broadcast(&k->changed);
    }
    search[0] = c->search[0];
    search[1] = c->search[1];
    pthread_mutex_unlock(&k->lock);
    return search[0] != NULL;
}

/* ---- Text orders ahead of need ------------------------------------------- */

typedef struct prepare_job {
    pv_compare_cache *k;
    pv_registry *reg;
    pv_compare_cached *c;
    const pv_registry_entry *e[2];
} prepare_job;

static void *prepare_run(void *arg)
{
    prepare_job *job = arg;
    /* At first at the priority of requests: one may be waiting already. */
    pv_error err; /* a request that asks later tries again, and says why it failed */
    /* The default order (pages past the top), the search texts (a
     * filter), then the text orders (pages past the top by name or file):
     * a page near the top of any order needs none of them. */
    pv_compare_cache_order(job->k, job->reg, job->c, job->e[0], job->e[1], PV_CKEY_CHANGE,
                           PV_COMPARE_ABSOLUTE, true, &err);
    const pv_search *search[2];
    pv_compare_cache_search(job->k, job->reg, job->c, job->e[0], job->e[1], search, &err);
    /* The text orders, the longest, below requests (a request that needs
     * one meanwhile makes it itself): the next requests, a tree above all,
     * keep the cores. */
    pv_pool_lower_priority();
    pthread_mutex_lock(&job->k->lock);
    job->c->text_below = true;
    pthread_mutex_unlock(&job->k->lock);
    pv_compare_cache_order(job->k, job->reg, job->c, job->e[0], job->e[1], PV_CKEY_NAME,
                           PV_COMPARE_ABSOLUTE, false, &err); /* all four text orders */
    pthread_mutex_lock(&job->k->lock);
    job->c->text_below = false;
    pthread_mutex_unlock(&job->k->lock);
    pv_compare_cache_release(job->k, job->reg, job->c);
    for (int s = 0; s < 2; s++)
        pv_registry_release(job->reg, job->e[s]);
    pthread_mutex_lock(&job->k->lock);
    job->k->thread_busy = false;
    pthread_cond_broadcast(&job->k->changed);
    pthread_mutex_unlock(&job->k->lock);
    free(job);
    return NULL;
}

bool pv_compare_cache_prepare(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c,
                              const pv_registry_entry *b, const pv_registry_entry *n)
{
    pthread_mutex_lock(&k->lock);
    bool wanted = !c->prepared && !k->thread_busy;
    pthread_mutex_unlock(&k->lock);
    if (!wanted) return false;
    /* References of the thread's own, taken while the caller holds both (so
     * neither is parsed again here). */
    prepare_job *job = calloc(1, sizeof *job);
    const pv_registry_entry *e0 = pv_registry_acquire(reg, b->id);
    const pv_registry_entry *e1 = pv_registry_acquire(reg, n->id);
    pthread_mutex_lock(&k->lock);
    bool start = job && e0 == b && e1 == n && !c->prepared && !k->thread_busy;
    if (start && k->thread_started) {
        pthread_join(k->thread, NULL); /* idle: it has finished */
        k->thread_started = false;
    }
    if (start) {
        *job = (prepare_job){k, reg, c, {e0, e1}};
        c->refs++;
        c->prepared = true;
        k->thread_busy = true;
        if (pthread_create(&k->thread, NULL, prepare_run, job) == 0) {
            k->thread_started = true;
        } else {
            c->refs--;
            c->prepared = false;
            k->thread_busy = false;
            start = false;
        }
    }
    pthread_mutex_unlock(&k->lock);
    if (start) return true;
    free(job);
    if (e0) pv_registry_release(reg, e0);
    if (e1) pv_registry_release(reg, e1);
    return false;
}

void pv_compare_cache_wait(pv_compare_cache *k)
{
    pthread_mutex_lock(&k->lock);
    while (k->thread_busy)
        pthread_cond_wait(&k->changed, &k->lock);
    pthread_mutex_unlock(&k->lock);
}
