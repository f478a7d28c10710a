/* calltree_internal.h: what calltree.c (the walk, the budget, the layout)
 * and calltree_kids.c (how a node's time is given to its children) share.
 * Not part of the parser's interface.
 *
 * The walk keeps entries: the nodes on the path above the view root, the
 * view root and every node below it that was taken. An entry's children are
 * computed once, as kids (what each child got from the entry's allocation),
 * in one array of the context; a kid that became an entry names it. All the
 * memory belongs to the context and is freed by pv_tree_build.
 */
#ifndef PV_CALLTREE_INTERNAL_H
#define PV_CALLTREE_INTERNAL_H

#include "calltree.h"

/* A root carries the program when its external share of time reaches 5% of
 * the largest cumtime; below that it is noise (cProfile's own disable() is
 * several % of a sub-millisecond program). */
#define PV_TREE_ROOT_SHARE 0.05

/* A root with callers whose external share is under 1% of the largest
 * cumtime is covered by them: the synthetic root leaves it out. */
#define PV_TREE_COVERED_SHARE 0.01

/* A child that got at least this fraction of its offer got all of it: the
 * rest is timer rounding. */
#define PV_TREE_ROUNDING (1 - 1e-9)

/* A child that would get less than this fraction of its offer gets nothing:
 * what a recursive node has left after its children is its own time and
 * rounding, and a sliver of a nested child would split that child in two
 * (the script's module at exec's level and under runpy's exec). What it did
 * not get stays for the re-entries below. */
#define PV_TREE_SLIVER 0.01

/* Marks per function: 0 free, PV_TREE_ON_PATH on the resolved path (tree root
 * to view root), i + 1 an ancestor of entry i (or entry i itself). */
#define PV_TREE_ON_PATH UINT32_MAX
#define PV_TREE_NONE UINT32_MAX

/* A child as its parent's allocation made it, before it becomes a node. */
typedef struct pv_tree_kid {
    int64_t func;
    uint32_t src; /* function whose edge gave the time (the parent's, or a cycle's) */
    double offer; /* what its edge offered */
    double time;  /* what it got */
    int64_t calls;
    bool exact, whole, reentry;
    pv_tree_why why;
    uint32_t entry; /* the entry made of it, or PV_TREE_NONE */
} pv_tree_kid;

/* A node of the walk: on the path above the view root, the view root, or a
 * node below it. */
typedef struct pv_tree_ent {
    pv_tree_kid k;
    uint32_t parent; /* entry index, PV_TREE_NONE for the tree root */
    int level;       /* levels below the view root (negative above it) */
    size_t first_kid, nkids;
    bool expanded;
    double hidden_time;
    uint32_t hidden;
    bool more;
} pv_tree_ent;

typedef struct pv_tree_aff {
    uint32_t caller, callee;
    double time; /* of callee's nested time, how much re-entries through caller may show */
} pv_tree_aff;

typedef struct pv_tree_heap_item {
    double time;
    uint32_t parent; /* entry index */
    uint32_t kid;    /* index among the parent's kids */
} pv_tree_heap_item;

typedef struct pv_tree_ctx {
    const pv_profile *p;
    uint32_t *mark; /* nfunctions marks, see PV_TREE_ON_PATH */
    pv_tree_kid *roots;
    size_t nroots; /* children of the synthetic root */
    pv_tree_kid *kids;
    size_t nkids, kids_cap; /* every expanded entry's children, in one array */
    pv_tree_ent *ents;
    size_t nents, ents_cap;
    pv_tree_heap_item *heap;
    size_t nheap, heap_cap;
    /* scratch for re-entries: remaining time per callee */
    double *rem;        /* nfunctions: what is left for each function */
    uint32_t *rem_src;  /* its largest contributor (PV_TREE_NONE when unused) */
    double *rem_best;   /* that contributor's part */
    bool *rem_in;       /* listed in rem_list */
    bool *in_cycle;     /* scratch: the functions of a re-entry's cycle */
    uint32_t *rem_list; /* the functions touched */
    size_t nrem;
    size_t view; /* the view root's entry */
    /* Affinity of re-entries (see pv_tree_affinity), per re-entered function,
     * made when first needed: triples sorted by caller, then callee. */
    pv_tree_aff *aff;
    size_t naff, aff_cap;
    uint32_t *aff_first, *aff_count; /* nfunctions each, or NULL until needed */
    bool *aff_done;
    double *aff_val;     /* scratch, nfunctions: the parent's affinity per callee */
    uint32_t *single_of; /* nedges: the caller a once-called callee goes with, or NULL */
    bool *single_done;   /* nfunctions: single_of is set for this function's edges */
    bool *aff_callee;    /* scratch, nfunctions: a callee of the re-entered function */
} pv_tree_ctx;

/* t when it is a finite positive time, else 0. */
double pv_tree_sane(double t);
/* a + b, saturated at the int64 range (hostile counts). */
int64_t pv_tree_add_sat(int64_t a, int64_t b);
/* Time of edge e (an estimate for count-only edges); never negative. */
double pv_tree_edge_time(const pv_profile *p, const pv_edge *e);
/* True when every call of func comes from parent or from func itself. */
bool pv_tree_sole_caller(const pv_profile *p, uint32_t func, uint32_t parent);
/* Grows *arr to hold need items of size bytes. Returns 0, or -1 when out of memory. */
int pv_tree_grow(void **arr, size_t *cap, size_t need, size_t size);
/* qsort order of kids: largest offer first, then function id, then source. */
int pv_tree_kid_cmp(const void *a, const void *b);
/* Computes the kids of entry xi once (they depend on its path only). Returns
 * 0, or -1 when out of memory. */
int pv_tree_expand_ent(pv_tree_ctx *ctx, size_t xi);

#endif
