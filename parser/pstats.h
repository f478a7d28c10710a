/* pstats.h: reading .prof files (Python marshal dumps of pstats dicts) into
 * profiles.
 *
 * Input bytes are untrusted: they are read only through a bounded cursor, and
 * any file that is not a valid stats dump is refused with a message and the
 * byte offset of the problem. When the bytes are recognisably something else
 * (gzip, a pprof protobuf, a text report, JSON, ...) the message says so and
 * how to make a real profile. The profile returned belongs to the caller
 * (pv_profile_free); on failure nothing needs freeing.
 */
#ifndef PV_PSTATS_H
#define PV_PSTATS_H

#include <stddef.h>

#include "error.h"
#include "profile.h"

/* Flags for the _with variants. */
#define PV_LOAD_NO_EDGES 1u /* check callers but keep none: see pv_builder_drop_edges */
/* data is a private read-only file mapping (page-aligned) that nobody reads
 * while or after it is parsed: the pages read are given back as parsing goes
 * (madvise), so that a large file does not stay resident beside its model. */
#define PV_LOAD_RELEASE_BEHIND 2u
/* Parsing makes its builder calls on a helper thread (feed.h) for inputs of
 * PV_LOAD_HELPER_MIN bytes or more, or whatever the size with
 * PV_LOAD_HELPER; never with PV_LOAD_ONE_THREAD. The profile is the same. */
#define PV_LOAD_ONE_THREAD 4u
#define PV_LOAD_HELPER 8u
#define PV_LOAD_HELPER_MIN ((size_t)1 << 20)

/* Parses the len bytes at data. Returns 0 and sets *out, or -1 with err
 * filled (offset = where in data the problem is). */
int pv_pstats_parse(const unsigned char *data, size_t len, pv_profile **out, pv_error *err);
int pv_pstats_parse_with(const unsigned char *data, size_t len, unsigned flags, pv_profile **out,
                         pv_error *err);

/* When the bytes at data are recognisably not a Python profile, returns a
 * short phrase saying what they look like ("a gzip-compressed file", ...);
 * otherwise NULL. The string is static. (sniff.h has the advice too.) */
const char *pv_pstats_sniff(const unsigned char *data, size_t len);

#endif
