/* registry.h: the profiles a server holds, found by id, with what pages need.
 *
 * A pv_registry is a list of entries; each pv_registry_entry has an id, a
 * display name, a summary (counts, total time, size and modification time of
 * the file) and, while it is acquired, one parsed profile with (privately)
 * its function index (index.h). A loaded profile is never modified, so
 * request threads read it without locks.
 *
 * Ids are content ids (source.h), so the same file always gets the same id
 * and links to it never change. Adding a profile whose id is already held
 * keeps the one already there. Files are read through source.h only.
 *
 * The cache: an entry inserted with a file path (team mode) may lose its
 * profile and indexes when the memory of all such entries exceeds the cache
 * limit (least recently acquired first, never while acquired); its summary
 * stays, and the next pv_registry_acquire() parses the file again. Entries
 * without a path (profviz FILE...) are never evicted. What the companion
 * (below) holds counts against the same limit.
 *
 * Ownership: the registry owns its entries; pv_registry_free() frees them all
 * and must only be called once no request runs any more. Lookups hand out a
 * reference: every entry returned by pv_registry_acquire() or in the array of
 * pv_registry_snapshot() must be given back with pv_registry_release(); an
 * entry removed while acquired is freed at its last release. The list is
 * guarded by a mutex, so profiles may be added and removed while requests
 * run. pv_registry_list() hands out copies that the caller frees.
 */
#ifndef PV_REGISTRY_H
#define PV_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

#include "index.h"
#include "source.h"

#define PV_REGISTRY_ID_LEN PV_SOURCE_ID_LEN

typedef struct pv_registry_entry {
    char id[PV_REGISTRY_ID_LEN + 1]; /* lower-case hex, NUL-terminated */
    const char *name;                /* file name without folders, or "a.prof + b.prof" */
    const pv_profile *profile;       /* while acquired; NULL in copies from pv_registry_list */
    size_t bytes;                    /* size of the file(s), as given */
    int64_t modified;                /* the file's mtime (newest part's), seconds since 1970 */
    uint32_t functions;              /* the summary, kept when the profile is evicted */
    int64_t total_calls;
    int64_t primitive_calls;
    double total_time;
} pv_registry_entry;

typedef struct pv_registry pv_registry;

/* A parsed profile not yet in a registry (see pv_registry_build). */
typedef struct pv_registry_item pv_registry_item;

/* Returns a new empty registry, or NULL with err filled when out of memory. */
pv_registry *pv_registry_new(pv_error *err);

/* Frees the registry and every entry. No entry may still be acquired. NULL is
 * fine. */
void pv_registry_free(pv_registry *reg);

/* Loads the profile file at path (a .prof, or one compressed with gzip: see
 * source.h) and adds it. On success returns 0 and, when id_out is not NULL,
 * copies the entry's id into it (PV_REGISTRY_ID_LEN + 1 bytes). On failure
 * returns -1 with err filled (the message starts with the path and says what
 * is wrong; kind and offset as source.h says); the registry is unchanged. */
int pv_registry_load_file(pv_registry *reg, const char *path, char *id_out, pv_error *err);

/* Loads each file in paths as pv_registry_load_file does, two at a time on
 * two threads, and adds them in the order given; when ids_out is not NULL,
 * ids_out[i] gets the id of paths[i]. Returns 0, or -1 with err filled for
 * the first file (in that order) that failed and *failed its index; the
 * files before it are added, none after it. */
int pv_registry_load_files(pv_registry *reg, const char *const *paths, size_t npaths,
                           char (*ids_out)[PV_REGISTRY_ID_LEN + 1], size_t *failed, pv_error *err);

/* Loads every file in paths and adds one profile that merges them all (as
 * pstats.Stats.add does), named after the files. Returns 0 (id copied to
 * id_out when not NULL), or -1 with err filled as above, nothing added. */
int pv_registry_load_merged(pv_registry *reg, const char *const *paths, size_t npaths, char *id_out,
                            pv_error *err);

/* Parses the len bytes at data (gzip-compressed or not) as a profile named
 * name and adds it; data is not kept. Returns 0 (id copied to id_out when not
 * NULL), or -1 with err filled (the parser's message and offset), nothing
 * added. */
int pv_registry_add_bytes(pv_registry *reg, const char *name, const unsigned char *data, size_t len,
                          char *id_out, pv_error *err);

/* Parses src as a profile named name and builds its index, without adding
 * it anywhere (so that the slow part runs outside any lock); the item's id
 * and mtime are src's. Returns 0 and sets *out (give it to
 * pv_registry_insert or free it with pv_registry_item_free), or -1 with err
 * filled (the parser's kind, message and offset). */
int pv_registry_build(const pv_source *src, const char *name, pv_registry_item **out,
                      pv_error *err);

/* The limits for files the registry reads again after eviction (and for
 * pv_registry_load_file/merged and add_bytes). */
void pv_registry_set_source_limits(pv_registry *reg, const pv_source_limits *limits);

/* The content id of an item (PV_REGISTRY_ID_LEN hex digits). */
const char *pv_registry_item_id(const pv_registry_item *item);

/* Frees an item that was not inserted. NULL is fine. */
void pv_registry_item_free(pv_registry_item *item);

/* Adds item (taken over in every case) with the file's mtime, renamed to
 * name unless that is NULL; path, when not NULL, is the file to parse again
 * after eviction. Returns 1 when added, 0
 * when its id was already held (item freed; the id is copied to id_out when
 * not NULL either way), or -1 with err filled when out of memory. */
int pv_registry_insert(pv_registry *reg, pv_registry_item *item, const char *name, const char *path,
                       int64_t modified, char *id_out, pv_error *err);

/* Removes the entry with this id from the list (it is freed once no request
 * holds it). Returns true when there was one. */
bool pv_registry_remove(pv_registry *reg, const char *id);

/* True when an entry has this id. */
bool pv_registry_contains(pv_registry *reg, const char *id);

/* True when the entry with this id holds its parsed profile (not evicted). */
bool pv_registry_is_loaded(pv_registry *reg, const char *id);

/* When on, the files loaded from here on (pv_registry_load_file, _files,
 * _merged) build their function index at their first table query instead
 * of on a thread at once: for `profviz compare`, whose page shows the
 * comparison, which needs no index, so that loading leaves both cores to
 * the first comparison. Off by default. */
void pv_registry_set_index_on_demand(pv_registry *reg, bool on);

/* Sets the cache limit in bytes (0, the default, is no limit) and evicts
 * down to it. */
void pv_registry_set_cache_limit(pv_registry *reg, size_t bytes);

/* The estimated memory of the loaded entries that can be evicted. */
size_t pv_registry_cache_used(pv_registry *reg);

/* ---- The companion: a cache of results computed from the profiles ---------
 *
 * One cache per registry (the comparisons of api_compare.c) may live beside
 * it: pv_registry_companion returns it, making it with make() on first use
 * (NULL when make fails), and pv_registry_free frees it with free_fn. Its
 * memory is counted against the cache limit with the evictable profiles:
 * the companion charges what it adds (profiles are then evicted down to the
 * limit) and discharges what it frees. Its results are cheaper to make
 * again than a profile, so before charging it drops its unused ones while
 * pv_registry_over_limit says the total would pass the limit. */
void *pv_registry_companion(pv_registry *reg, void *(*make)(void), void (*free_fn)(void *));
void pv_registry_charge(pv_registry *reg, size_t bytes);
void pv_registry_discharge(pv_registry *reg, size_t bytes);

/* True when a cache limit is set and the evictable profiles, the charged
 * memory and bytes more would exceed it. */
bool pv_registry_over_limit(pv_registry *reg, size_t bytes);

/* The memory charged by the companion. */
size_t pv_registry_charged(pv_registry *reg);

/* Number of profiles held. */
size_t pv_registry_count(pv_registry *reg);

/* Sets *out to a new array of copies of every entry (profile NULL, name
 * copied), in the order they were added or, when by_time, newest modified
 * first (then by name), and *count to their number. Parses nothing. Free it
 * with pv_registry_list_free. Returns 0, or -1 with err filled. */
int pv_registry_list(pv_registry *reg, bool by_time, pv_registry_entry **out, size_t *count,
                     pv_error *err);

/* Frees an array from pv_registry_list. NULL is fine. */
void pv_registry_list_free(pv_registry_entry *list, size_t count);

/* Returns the entry with this id, acquired (release it) and with its profile
 * loaded (parsing the file again if it was evicted), or NULL when there is
 * none or its file can no longer be parsed (one line on stderr). */
const pv_registry_entry *pv_registry_acquire(pv_registry *reg, const char *id);

/* Gives back an entry from pv_registry_acquire() or pv_registry_snapshot().
 * NULL is fine. */
void pv_registry_release(pv_registry *reg, const pv_registry_entry *entry);

/* Sets *out to a new array of every entry in the order they were added, each
 * acquired, and *count to their number. The caller releases each entry and
 * frees the array. Returns 0, or -1 with err filled when out of memory. */
int pv_registry_snapshot(pv_registry *reg, const pv_registry_entry ***out, size_t *count,
                         pv_error *err);

/* Finds the rows of a function table page. Sets *ids to a new array of the
 * ids of the page's rows in order (the caller frees it; NULL when *nids is
 * 0), *nids to their number and *total to the number of matching functions
 * in the whole table. Returns 0, or -1 with err filled when out of memory. */
int pv_registry_query_functions(const pv_registry_entry *entry, const pv_function_query *query,
                                uint32_t **ids, size_t *nids, size_t *total, pv_error *err);

#endif
