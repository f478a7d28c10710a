/* sites.h: where functions sit in the call tree: the call sites of one
 * function (or of every function a search matches), largest first, each with
 * its path, so that a click can make it the view root.
 *
 * A site is a node of the call tree (calltree.h). They are found in the
 * tree built from the tree root with a large node budget and a small
 * cutoff; when that tree left something out and one function is asked for
 * (req->one), its call chains are also searched bottom-up, largest first
 * (each caller's share estimated as in butterfly.h), up to the tree root, and
 * each chain found is checked by building the tree at that path, which
 * gives the site its tree numbers (chains the tree does not have are
 * dropped). So a site deep in a profile too large for the budget is still
 * found, as long as its chain is among the largest. complete says whether
 * the tree searched left nothing out. Each site's time, exact and why are
 * the tree's.
 *
 * Ownership: pv_sites_find returns one pv_sites that the caller frees with
 * pv_sites_free(); each site's path points into it. The profile is only
 * read (thread-safe).
 */
#ifndef PV_SITES_H
#define PV_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "error.h"
#include "profile.h"

typedef struct pv_sites_request {
    const unsigned char *match; /* nfunctions flags: nonzero marks the functions to find */
    bool count_within;          /* count (and flag) the sites at or under within */
    const int64_t *within;      /* that path (NULL when within_len is 0: the whole tree) */
    size_t within_len;
    size_t limit;      /* sites listed at most (all are counted) */
    size_t max_nodes;  /* budget of the tree searched, >= 1 */
    double cutoff;     /* cutoff of the tree searched, a fraction of the tree root's time */
    int64_t one;       /* the one function asked for (its chains are searched too), or -1 */
    size_t max_chains; /* chains checked at most (each costs one tree build) */
} pv_sites_request;

typedef struct pv_site {
    int64_t func;
    double time; /* the node's time in the tree */
    bool exact;
    pv_tree_why why;
    bool within;         /* at or under the request's within path */
    const int64_t *path; /* from the tree root, as tree requests name nodes */
    size_t path_len;
} pv_site;

typedef struct pv_sites {
    pv_site *sites; /* largest first, then in tree order; at most limit */
    size_t nsites;
    size_t total;        /* sites found in the tree */
    size_t total_within; /* of which at or under within */
    size_t tree_nodes;   /* nodes of the tree searched */
    bool complete;       /* the tree searched left nothing out (no cutoff, no budget hit) */
    size_t from_chains;  /* sites found by the chain search, not in the tree */
    int64_t *paths;      /* storage of the sites' paths */
} pv_sites;

/* Fills req with the defaults: no match, no within, 100 sites, 20,000
 * nodes, cutoff 0.00001, no one function, 40 chains. */
void pv_sites_request_defaults(pv_sites_request *req);

/* Finds the sites of the functions req->match marks. Returns 0 and sets
 * *out, or -1 with err filled: PV_ERR_ARGUMENT for a request out of range,
 * PV_ERR_NOMEM. err's offset is -1. */
int pv_sites_find(const pv_profile *profile, const pv_sites_request *req, pv_sites **out,
                  pv_error *err);

/* Frees the result. NULL is fine. */
void pv_sites_free(pv_sites *sites);

#endif
