/* registry_tables.c: a parsed profile and its function index, made and
 * freed together (registry_internal.h); the registry's entries hold one
 * each while loaded. */
#include <pthread.h>
#include <stdlib.h>

#include "registry_internal.h"

/* A parsed profile and its index, made and freed together. The index is
 * built on a thread of its own, so that a profile can be served (trees,
 * details) while its table's sort orders are still being made; the first
 * table query waits for it. With the registry's index_on_demand (profviz
 * compare) no thread is started: the first table query builds it. */
struct pv_tables {
    pv_profile *profile;
    pthread_mutex_t lock; /* guards the join */
    pthread_t builder;
    bool building;   /* builder not joined yet */
    bool on_demand;  /* not started: the first pv_tables_index(t, true) builds it */
    pv_index *index; /* once joined: NULL when building failed (err) */
    pv_error err;
};

static void *build_index(void *arg)
{
    pv_tables *t = arg;
    if (pv_index_build(t->profile, &t->index, &t->err) < 0) t->index = NULL;
    return NULL;
}

/* The index of t, waiting for its builder (or, when make, building one
 * left on demand). Returns NULL with err filled when building it failed or
 * (make false) it was never built. */
const pv_index *pv_tables_index(pv_tables *t, bool make, pv_error *err)
{
    pthread_mutex_lock(&t->lock);
    if (t->building) {
        pthread_join(t->builder, NULL);
        t->building = false;
    } else if (t->on_demand && make) {
        t->on_demand = false;
        if (pv_index_build(t->profile, &t->index, &t->err) < 0) t->index = NULL;
    }
    bool never = t->on_demand;
    pthread_mutex_unlock(&t->lock);
    if (!t->index && never) pv_fail(err, PV_ERR_NOMEM, -1, "no index built");
    if (!t->index && !never) *err = t->err;
    return t->index;
}

void pv_tables_free(pv_tables *t)
{
    if (!t) return;
    pv_error err;
    pv_tables_index(t, false, &err);
    pthread_mutex_destroy(&t->lock);
    pv_index_free(t->index);
    pv_profile_free(t->profile);
    free(t);
}

/* An estimate of the bytes t holds: the profile's arena and tables (counted
 * in full even when the arena holds some of them) and its index (waited
 * for; one left on demand is built). */
size_t pv_tables_memory(pv_tables *t)
{
    pv_error err;
    const pv_index *index = pv_tables_index(t, true, &err);
    const pv_profile *p = t->profile;
    size_t n = p->nfunctions;
    size_t bytes = sizeof *t + sizeof *p + pv_arena_bytes(p->arena);
    bytes += n * sizeof(pv_function) + (size_t)p->nedges * (sizeof(pv_edge) + sizeof(uint32_t)) +
             (size_t)p->nroots * sizeof(uint32_t);
    return bytes + (index ? pv_index_memory(index) : 0);
}

/* Makes the tables of profile (taken over in every case), its index built
 * on a thread now or, when on_demand, at the first table query. Returns
 * them, or NULL with err filled. */
pv_tables *pv_tables_new(pv_profile *profile, bool on_demand, pv_error *err)
{
    pv_tables *t = calloc(1, sizeof *t);
    if (!t) {
        pv_profile_free(profile);
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    t->profile = profile;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        pv_profile_free(profile);
        free(t);
        pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a mutex");
        return NULL;
    }
    t->on_demand = on_demand;
    t->building = !on_demand && pthread_create(&t->builder, NULL, build_index, t) == 0;
    if (!on_demand && !t->building && pv_index_build(profile, &t->index, err) < 0) {
        pv_tables_free(t);
        return NULL;
    }
    return t;
}

pv_profile *pv_tables_profile(const pv_tables *t)
{
    return t->profile;
}
