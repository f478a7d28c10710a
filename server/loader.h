/* loader.h: opening a profile file the way every profviz command does.
 *
 * Plain .prof files go straight to the parser (which maps them); gzip files
 * (.prof.gz, or a gzip'd file under any name) are inflated with zlib first,
 * so that a message about the inner bytes ("this is a protocol-buffer
 * file ...") says they were compressed. Several files are merged with
 * pstats.Stats.add semantics. The profile returned belongs to the caller
 * (pv_profile_free); on failure nothing needs freeing and err names the
 * problem (offset into the file, or into the inflated bytes, or -1).
 */
#ifndef PV_LOADER_H
#define PV_LOADER_H

#include <stddef.h>

#include "error.h"
#include "profile.h"

/* The most bytes a compressed profile may inflate to. */
#define PV_LOADER_MAX_INFLATED ((size_t)4 << 30)

/* Loads one file. Returns 0 and sets *out, or -1 with err filled. */
int pv_load_profile(const char *path, pv_profile **out, pv_error *err);

/* Parses len bytes already in memory (an upload), inflating gzip first.
 * Returns 0 and sets *out, or -1 with err filled. */
int pv_load_profile_bytes(const unsigned char *data, size_t len, pv_profile **out, pv_error *err);

/* Loads paths[0..n) and merges them into one profile. On failure *failed is
 * the index of the file at fault (or n when merging itself failed). flags are
 * pstats.h's PV_LOAD_... flags (0 for the whole model). */
int pv_load_merged(const char *const *paths, size_t n, pv_profile **out, size_t *failed,
                   pv_error *err);
int pv_load_merged_with(const char *const *paths, size_t n, unsigned flags, pv_profile **out,
                        size_t *failed, pv_error *err);

#endif
