/* compare_paths.h: relative paths of a profile's files and the keys of C
 * functions and suffixes, for compare.c (not
 * a public interface).
 *
 * pv_cmp_files lists a profile's distinct file names (the builder interns
 * them, so one pointer is one file) and, for each, where its relative path
 * starts (compare.c's rule 1) with hashes of that path and of its last
 * component in which '\' counts as '/'. Every array is malloc'd and freed by
 * pv_cmp_files_free; the strings are the profile's.
 */
#ifndef PV_COMPARE_PATHS_H
#define PV_COMPARE_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

typedef struct pv_cmp_files {
    uint32_t *file_of; /* [nfunctions]: index of the function's file */
    uint32_t nfiles;
    const char **name;   /* [nfiles]: the file name */
    uint32_t *rel;       /* [nfiles]: offset of the relative path in name */
    uint32_t *last;      /* [nfiles]: offset of the relative path's last component */
    uint64_t *rel_hash;  /* [nfiles]: pv_cmp_hash of the relative path */
    uint64_t *last_hash; /* [nfiles]: pv_cmp_hash of the last component */
} pv_cmp_files;

/* Fills *f for profile p. Returns 0, or -1 with err filled when out of
 * memory (f then needs no freeing). */
int pv_cmp_files_find(const pv_profile *p, pv_cmp_files *f, pv_error *err);

void pv_cmp_files_free(pv_cmp_files *f);

#define PV_CMP_HASH_SEED UINT64_C(0xcbf29ce484222325)

/* Continues FNV-1a hash h over n bytes of s, '\' as '/' when paths. */
uint64_t pv_cmp_hash(uint64_t h, const char *s, size_t n, bool paths);

bool pv_cmp_is_sep(char c);

/* True when the n bytes at a and b are equal, '\' and '/' alike. */
bool pv_cmp_same_path(const char *a, const char *b, size_t n);

/* True for a C function: file "~" (cProfile) or "" (the profile module), line 0. */
bool pv_cmp_is_c_function(const pv_function *f);

/* The name of a C function without its spelling (compare.c's rule 2): no
 * "<built-in method ...>" wrapping, "builtins." prefix or " at 0x..."
 * address. Sets *out (inside name) and *len. */
void pv_cmp_builtin_name(const char *name, const char **out, size_t *len);

/* True when one path ends with the other at a folder boundary (rule 3). */
bool pv_cmp_suffix_related(const char *a, size_t na, const char *b, size_t nb);

#endif
