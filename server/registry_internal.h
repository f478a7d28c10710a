/* registry_internal.h: what registry.c (the list, the cache) lends to
 * registry_load.c (reading files and bytes into entries). Not for any other
 * file. */
#ifndef PV_REGISTRY_INTERNAL_H
#define PV_REGISTRY_INTERNAL_H

#include "registry.h"

/* Makes an item of profile (taken over in every case), its id from hash,
 * and starts building its index. Returns it (give it to
 * pv_registry_add_item or pv_registry_item_free), or NULL with err filled. */
pv_registry_item *pv_registry_item_new(pv_profile *profile, const char *name, uint64_t hash,
                                       size_t bytes, int64_t modified, pv_error *err);

/* Adds item (taken over) at the end of the list unless its id is held (then
 * it is freed); copies the id to id_out when not NULL. Returns 1 when added,
 * 0 when the id was held, or -1 with err filled. */
int pv_registry_add_item(pv_registry *reg, pv_registry_item *item, char *id_out, pv_error *err);

/* A copy of the registry's source limits. */
pv_source_limits pv_registry_source_limits(pv_registry *reg);

#endif
