/* compare.h: two profiles of one program side by side, function by function.
 *
 * A pv_compare pairs the functions of a BASE profile with those of a NEW one.
 * It is a table of rows; each row names one function of BASE, one of NEW, or
 * one of each (a matched pair), and says how the pair was matched (pv_match).
 * rows[] holds first every NEW function in id order (with its BASE partner, if
 * any), then every BASE function without a partner in id order, so that the
 * same two profiles always give the same rows. row_of_base[id] and
 * row_of_new[id] give the row of each function.
 *
 * Matching (compare.c states the rules exactly): a function is known by its
 * name and its file path relative to where its package starts (after
 * site-packages/, dist-packages/, lib/pythonX.Y/ or Windows' PythonXY\Lib\;
 * for other files, after the longest folder prefix common to the profile's
 * own files), with '\' and '/' alike; lines do not count, except that two
 * functions of one name in one file are paired by nearest line. C functions
 * that Python versions spell differently ("<len>", "<built-in method
 * builtins.len>", the profile module's "len") are paired when that pairing is
 * unique, and functions left over are paired when one's relative path ends
 * with the other's.
 *
 * Numbers are never stored: pv_compare_values() computes a row's change and
 * ratio from the two profiles, either in seconds and calls as the profiles
 * have them (PV_COMPARE_ABSOLUTE) or with each run's numbers as percent of
 * its own total (PV_COMPARE_NORMALISED), for runs of different length.
 *
 * Ownership: pv_compare_build returns a pv_compare the caller frees with
 * pv_compare_free(). It holds function ids, not pointers, so it stays valid
 * for any two profiles with the same content (the profiles may be freed and
 * loaded again); every function that reads numbers or names takes the two
 * profiles it was built from. A finished pv_compare is read-only: threads may
 * share it without locks.
 */
#ifndef PV_COMPARE_H
#define PV_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "error.h"
#include "profile.h"

/* How a row's two functions were matched. */
typedef enum pv_match {
    PV_MATCH_SAME,      /* same file, line and name */
    PV_MATCH_PATH,      /* same name, line and relative path; the files differ (another
                           machine, virtualenv, Python version or Windows) */
    PV_MATCH_LINE,      /* same name and relative path, another line (the function moved);
                           with several of one name in a file, the nearest line */
    PV_MATCH_BUILTIN,   /* a C function spelled differently by two Python versions */
    PV_MATCH_SUFFIX,    /* same name; one relative path ends with the other */
    PV_MATCH_BASE_ONLY, /* only in BASE */
    PV_MATCH_NEW_ONLY,  /* only in NEW */
    PV_MATCH_COUNT
} pv_match;

#define PV_COMPARE_NONE UINT32_MAX

typedef struct pv_compare_row {
    uint32_t base;  /* function id in BASE, or PV_COMPARE_NONE */
    uint32_t new_;  /* function id in NEW, or PV_COMPARE_NONE */
    pv_match match; /* PV_MATCH_BASE_ONLY / NEW_ONLY exactly when one side is NONE */
} pv_compare_row;

typedef struct pv_compare {
    pv_compare_row *rows;
    size_t nrows;
    uint32_t *row_of_base;         /* [nbase]: the row of each BASE function */
    uint32_t *row_of_new;          /* [nnew] */
    uint32_t nbase, nnew;          /* the profiles' nfunctions, to check the profiles given later */
    size_t counts[PV_MATCH_COUNT]; /* rows per kind of match */
} pv_compare;

typedef enum pv_compare_mode {
    PV_COMPARE_ABSOLUTE,   /* seconds and calls */
    PV_COMPARE_NORMALISED, /* percent of each run's own total time (or total calls) */
} pv_compare_mode;

/* One row's numbers. A side that is absent counts as 0 in the changes. */
typedef struct pv_compare_values {
    double tottime, cumtime; /* change, NEW - BASE: seconds, or percentage points */
    double ncalls;           /* change in calls, or in percentage points of total calls */
    int64_t ncalls_int;      /* absolute mode: the change in calls as an integer */
    double ratio_tottime;    /* NEW / BASE; +INFINITY when BASE is 0 (or absent) and NEW
                                is not, NAN when both are 0 or a total is 0 */
    double ratio_cumtime;
} pv_compare_values;

/* Compares base with new_p. Returns 0 and sets *out (free it with
 * pv_compare_free), or -1 with err filled when out of memory (offset -1). */
int pv_compare_build(const pv_profile *base, const pv_profile *new_p, pv_compare **out,
                     pv_error *err);

/* Frees a comparison. NULL is fine. */
void pv_compare_free(pv_compare *cmp);

/* True when base and new_p have the function counts cmp was built with. */
bool pv_compare_fits(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p);

/* The kind's name as the API and report spell it: "same", "path", "line",
 * "builtin", "suffix", "base_only", "new_only". */
const char *pv_match_name(pv_match match);

/* A share of a total as percent: 100 * part / total, NAN when total is 0. */
double pv_compare_share(double part, double total);

/* Fills *v with the change and ratio of row r (an index into cmp->rows). */
void pv_compare_values_of(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                          size_t r, pv_compare_mode mode, pv_compare_values *v);

/* The function that names row r: NEW's, or BASE's when it is only in BASE. */
const pv_function *pv_compare_display(const pv_compare *cmp, const pv_profile *base,
                                      const pv_profile *new_p, size_t r);

/* Sort keys of the comparison table. Numbers sort by value, NAN last in
 * either order; ties are broken by row index, ascending. */
typedef enum pv_compare_key {
    PV_CKEY_CHANGE,         /* |change of tottime|: biggest changes first when descending */
    PV_CKEY_CUMCHANGE,      /* |change of cumtime| */
    PV_CKEY_TOTTIME_CHANGE, /* change of tottime, signed */
    PV_CKEY_CUMTIME_CHANGE,
    PV_CKEY_NCALLS_CHANGE,
    PV_CKEY_RATIO, /* tottime ratio */
    PV_CKEY_CUMRATIO,
    PV_CKEY_BASE_TOTTIME, /* a side's own number; an absent side sorts as NAN */
    PV_CKEY_NEW_TOTTIME,
    PV_CKEY_BASE_CUMTIME,
    PV_CKEY_NEW_CUMTIME,
    PV_CKEY_BASE_NCALLS,
    PV_CKEY_NEW_NCALLS,
    PV_CKEY_NAME, /* the display function's name, then file, then line */
    PV_CKEY_FILE, /* file, then line, then name */
    PV_CKEY_COUNT
} pv_compare_key;

/* The key called name ("change", "cumchange", "tottime_change",
 * "cumtime_change", "ncalls_change", "ratio", "cumratio", "base_tottime",
 * "new_tottime", "base_cumtime", "new_cumtime", "base_ncalls", "new_ncalls",
 * "name", "file"), or -1 when there is none. */
int pv_compare_key_from_name(const char *name);
const char *pv_compare_key_name(pv_compare_key key);

/* Fills order[0..cmp->nrows) with the row indices sorted by key in mode.
 * Returns 0, or -1 with err filled when out of memory. */
int pv_compare_sort(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                    pv_compare_key key, pv_compare_mode mode, bool descending, uint32_t *order,
                    pv_error *err);

/* The number row r sorts by for a key other than name and file: the rows
 * in ascending order of it, ties by ascending row, are pv_compare_sort's
 * order (NAN is UINT64_MAX, last, in either direction). */
uint64_t pv_compare_row_key(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                            size_t r, pv_compare_key key, pv_compare_mode mode, bool descending);

/* The first rows of pv_compare_sort's order for key, mode and direction
 * among the rows a filter keeps, found without sorting them all (a heap of
 * k rows, one pass over the table): for the first pages of an order that
 * is not made yet. hit, when not NULL, is the filter: hit[0] per BASE
 * function id, hit[1] per NEW one, nonzero for a function it keeps; a row
 * is kept when either of its functions is. Fills out[0..*nout) with the
 * first min(k, kept) rows in order and sets *matched to the number of rows
 * kept. Returns 0, or -1 with err filled when out of memory. */
int pv_compare_top(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                   pv_compare_key key, pv_compare_mode mode, bool descending,
                   const unsigned char *const *hit, size_t k, uint32_t *out, size_t *nout,
                   size_t *matched, pv_error *err);

/* The text orders of the rows, as pv_compare_sort gives them for
 * PV_CKEY_NAME and PV_CKEY_FILE, each ascending and descending. */
typedef struct pv_compare_text_orders {
    uint32_t *name_asc;                         /* [nrows], always filled */
    uint32_t *name_desc, *file_asc, *file_desc; /* [nrows] each, or NULL when not wanted */
    /* When not NULL, called (with arg) once name_asc and name_desc are
     * filled, before the file orders are made: a caller may hand the name
     * orders on meanwhile (it must not change them). */
    void (*names_done)(void *arg);
    void *arg;
} pv_compare_text_orders;

/* Fills the orders of to at once: the names, files and lines read once in
 * row order, the files ranked once, the names through the radix sort of
 * 8-byte slices (sort.h), the file orders from the name order by two radix
 * sorts; no index needed. Returns 0, or -1 with err filled when out of
 * memory (names_done may have been called). */
int pv_compare_sort_text_orders(const pv_compare *cmp, const pv_profile *base,
                                const pv_profile *new_p, const pv_compare_text_orders *to,
                                pv_error *err);

/* The same order for PV_CKEY_NAME or PV_CKEY_FILE, from each profile's
 * function ids already sorted by that key (ascending, ties by id; a server
 * keeps such indexes), merged in linear time. Returns 0, or -1 with err
 * filled when out of memory or when the sorted ids are not a permutation
 * of each profile's. */
int pv_compare_sort_text(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                         pv_compare_key key, const uint32_t *base_sorted,
                         const uint32_t *new_sorted, bool descending, uint32_t *order,
                         pv_error *err);

/* Whole-run totals of both sides and their change (NEW - BASE) and ratio. */
typedef struct pv_compare_totals {
    double base_time, new_time, change_time, ratio_time;
    int64_t base_calls, new_calls, change_calls;
    int64_t base_pcalls, new_pcalls, change_pcalls;
} pv_compare_totals;

void pv_compare_totals_of(const pv_profile *base, const pv_profile *new_p, pv_compare_totals *t);

/* BASE's time at the places of one of NEW's trees. */
typedef struct pv_compare_place {
    bool present;  /* BASE has this place: every step of the path matched, and BASE's
                      tree has a node there */
    double time;   /* BASE's node's time, seconds */
    int64_t calls; /* BASE's node's calls */
    bool exact;    /* BASE's node's time is measured */
} pv_compare_place;

/* For every node of tree (built from new_p with pv_tree_build and req; from
 * base when from_base, and then "BASE" below means new_p), finds the node at the same
 * place in BASE's tree: the path of the node mapped through the matched
 * functions (the synthetic root's place is BASE's tree root).
 * Sets *places to a new array of tree->nnodes entries (the caller frees it)
 * and, when base_path is not NULL, *base_path to a new array holding the
 * view root's path in BASE ids and *base_path_len to its length (*base_path
 * NULL when it has none: empty, or a step unmatched). Returns 0, or -1 with
 * err filled when out of memory. */
int pv_compare_tree_places(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                           bool from_base, const pv_tree *tree, const pv_tree_request *req,
                           pv_compare_place **places, int64_t **base_path, size_t *base_path_len,
                           pv_error *err);

#endif
