/* profile.h: the model of a parsed profile, and the builder that makes one.
 *
 * A pv_profile is a table of functions and a table of caller->callee edges.
 * functions[id] is the function with that id; ids run from 0 to
 * nfunctions-1 in the order the function's key first appears in the input, so
 * loading the same file(s) always gives the same ids. A function's callers are
 * the edges edges[f->first_caller .. f->first_caller + f->ncallers), all with
 * callee == id; its callees are the edges edges[callee_edges[f->first_callee
 * .. + f->ncallees)], all with caller == id. Roots (functions called from
 * outside the profile) are listed in roots[].
 *
 * Ownership: every byte a profile points to (records, strings, tables) lives in
 * its one arena; pv_profile_free() releases it all. A finished profile is never
 * modified, so request threads may read it at once without locks.
 *
 * A pv_builder makes a profile: intern function keys, then for each stats
 * entry begin it, add its callers and end it; pv_builder_finish() hands the
 * arena to the profile and frees the builder. Parsers and tests use it alike.
 */
#ifndef PV_PROFILE_H
#define PV_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"

typedef struct pv_edge {
    uint32_t caller, callee;
    int64_t ncalls; /* pstats' nc for this edge */
    int64_t pcalls; /* pstats' cc for this edge */
    double tottime; /* NAN when the edge carries a call count only (profile module) */
    double cumtime; /* NAN likewise */
} pv_edge;

typedef struct pv_function {
    const char *file; /* valid UTF-8, NUL-terminated; "~" for C functions */
    const char *name; /* valid UTF-8, NUL-terminated */
    int64_t line;
    int64_t ncalls; /* pstats' nc: all calls */
    int64_t pcalls; /* pstats' cc: primitive (non-recursive) calls */
    double tottime, cumtime;
    uint32_t first_caller, ncallers; /* range in profile->edges */
    uint32_t first_callee, ncallees; /* range in profile->callee_edges */
    int64_t external_calls;          /* ncalls minus the calls its callers account for */
    bool listed;                     /* false: only ever seen as a caller, own numbers zero */
    bool is_root;                    /* no callers, or external_calls > 0 */
} pv_function;

typedef struct pv_profile {
    pv_arena *arena;
    const pv_function *functions;
    uint32_t nfunctions;
    const pv_edge *edges; /* grouped by callee */
    uint32_t nedges;
    const uint32_t *callee_edges; /* indices into edges, grouped by caller */
    const uint32_t *roots;        /* ids of root functions, by descending cumtime */
    uint32_t nroots;
    bool has_edges;          /* false when loaded with PV_LOAD_NO_EDGES: no edges, no roots */
    int64_t total_calls;     /* sum of ncalls over listed functions */
    int64_t primitive_calls; /* sum of pcalls */
    double total_time;       /* sum of tottime */
} pv_profile;

/* a + b for call counts, saturating at INT64_MAX (and INT64_MIN): counts come
 * from untrusted files, and a sum of hostile counts must not overflow. */
static inline int64_t pv_count_add(int64_t a, int64_t b)
{
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

static inline bool pv_edge_has_times(const pv_edge *e)
{
    return e->tottime == e->tottime; /* false for NAN */
}

/* Frees a profile and everything it holds. NULL is fine. */
void pv_profile_free(pv_profile *profile);

/* Merges profiles with pstats.Stats.add semantics: per function the four
 * numbers add, per edge the numbers add (count-only edges add counts). Ids of
 * the result are in order of first appearance across parts. Returns a new
 * profile the caller frees, or NULL with err filled when out of memory. The
 * parts are left as they are. */
pv_profile *pv_profile_merge(const pv_profile *const *parts, size_t nparts, pv_error *err);

typedef struct pv_builder pv_builder;

/* Returns a new builder, or NULL when out of memory. */
pv_builder *pv_builder_new(void);

/* Tells the builder about how many functions to expect, so that its tables
 * start at their final size instead of growing through every smaller one. A
 * hint only: any number of functions may follow. Call before interning. */
void pv_builder_expect(pv_builder *b, size_t functions);

/* Frees a builder that was not finished (after an error). NULL is fine. */
void pv_builder_free(pv_builder *b);

/* Returns the id of the function with this key, adding it when it is new.
 * file and name must be valid UTF-8 without NUL bytes (see text.h: the model
 * keeps them as C strings, so a NUL would cut a name short and make two names
 * one); they are copied. Returns -1 with err filled when out of memory
 * (PV_ERR_NOMEM), when there are 2^32-1 functions (PV_ERR_INPUT), or when file
 * or name holds a NUL byte (PV_ERR_ARGUMENT). */
int64_t pv_builder_intern(pv_builder *b, const char *file, size_t file_len, int64_t line,
                          const char *name, size_t name_len, pv_error *err);

/* The same as pv_builder_intern in two steps, for parsers that meet one file
 * name many times: pv_builder_intern_file returns the builder's copy of a
 * file name (NULL with err filled when out of memory), which
 * pv_builder_intern_in_file then takes instead of the bytes. */
const char *pv_builder_intern_file(pv_builder *b, const char *file, size_t file_len, pv_error *err);
int64_t pv_builder_intern_in_file(pv_builder *b, const char *interned_file, int64_t line,
                                  const char *name, size_t name_len, pv_error *err);

/* Adds a key without looking for an equal one: returns a new id every time,
 * valid for the calls below, and finish() gives equal keys one id (the id
 * pv_builder_intern would have given: ids in order of first appearance). For
 * readers that meet most keys once: the lookup is then made for all keys at
 * once, which is faster. interned_file is from pv_builder_intern_file. The
 * same outcomes as pv_builder_intern_in_file. */
int64_t pv_builder_add_key(pv_builder *b, const char *interned_file, int64_t line, const char *name,
                           size_t name_len, pv_error *err);

/* Starts the stats entry of function id with its own numbers. A later entry
 * for the same id replaces this one, callers included (the last one wins, as
 * in a Python dict). Returns 0, or -1 with err filled. */
int pv_builder_begin_entry(pv_builder *b, uint32_t id, int64_t ncalls, int64_t pcalls,
                           double tottime, double cumtime, pv_error *err);

/* Adds a caller edge to the entry begun last. tottime and cumtime are NAN for
 * a count-only edge. A caller given twice in one entry: the last one wins.
 * Returns 0, or -1 with err filled when out of memory. Two callers with equal
 * keys in one entry are one caller, the last numbers winning. */
int pv_builder_add_caller(pv_builder *b, uint32_t caller, int64_t ncalls, int64_t pcalls,
                          double tottime, double cumtime, pv_error *err);

/* From now on, callers are checked but not kept: the profile will have no
 * edges, callees or roots (has_edges false). For commands that show only
 * per-function numbers, this saves most of the memory and time. */
void pv_builder_drop_edges(pv_builder *b);

/* Finishes the builder: drops replaced entries, inverts callers into callees,
 * finds the roots and the totals. Returns the profile (the caller frees it
 * with pv_profile_free) and frees the builder in every case; NULL with err
 * filled when out of memory. */
pv_profile *pv_builder_finish(pv_builder *b, pv_error *err);

#endif
