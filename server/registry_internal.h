/* registry_internal.h: what registry.c (the list, the cache) lends to
 * registry_load.c (reading files and bytes into entries). Not for any other
 * file. */
#ifndef PV_REGISTRY_INTERNAL_H
#define PV_REGISTRY_INTERNAL_H

#include <stdbool.h>

#include "registry.h"

/* ---- registry_tables.c: a profile and its index ------------------------- */

typedef struct pv_tables pv_tables;

/* Makes the tables of profile (taken over in every case), its index built
 * on a thread now or, when on_demand, at the first pv_tables_index(t, true).
 * Returns them, or NULL with err filled. */
pv_tables *pv_tables_new(pv_profile *profile, bool on_demand, pv_error *err);

/* Frees t (waiting for its builder). NULL is fine. */
void pv_tables_free(pv_tables *t);

/* The profile of t. */
pv_profile *pv_tables_profile(const pv_tables *t);

/* The index of t, waiting for its builder (or, when make, building one left
 * on demand). Returns NULL with err filled when building failed or (make
 * false) it was never built. */
const pv_index *pv_tables_index(pv_tables *t, bool make, pv_error *err);

/* An estimate of the bytes t holds, its index included (waited for; one
 * left on demand is built). */
size_t pv_tables_memory(pv_tables *t);

/* ---- registry.c, for registry_load.c ------------------------------------ */

/* Makes an item of profile (taken over in every case), its id from hash,
 * and starts building its index (or, when on_demand, leaves that to the
 * first table query). Returns it (give it to pv_registry_add_item or
 * pv_registry_item_free), or NULL with err filled. */
pv_registry_item *pv_registry_item_new(pv_profile *profile, const char *name, uint64_t hash,
                                       size_t bytes, int64_t modified, bool on_demand,
                                       pv_error *err);

/* Adds item (taken over) at the end of the list unless its id is held (then
 * it is freed); copies the id to id_out when not NULL. Returns 1 when added,
 * 0 when the id was held, or -1 with err filled. */
int pv_registry_add_item(pv_registry *reg, pv_registry_item *item, char *id_out, pv_error *err);

/* A copy of the registry's source limits, and (when on_demand is not NULL)
 * whether files it loads leave their index on demand. */
pv_source_limits pv_registry_source_limits(pv_registry *reg, bool *on_demand);

#endif
