/* api_params.h: what every handler under /api shares (api.c, api_compare.c,
 * api_function.c): the replies, and the query parameters read with one set
 * of rules and one set of messages.
 *
 * Replies fill a pv_api_reply (api.h): a status and a body of new JSON text
 * that whoever called the handler frees with free(). They return 0, or -1
 * when not even an error body could be allocated (status 500, body NULL;
 * the HTTP layer then answers with a static body).
 *
 * Parameters are looked up through the request's arg callback. A value they
 * hand back points into the request (owned by the HTTP layer, valid while
 * the request is answered); a path array is new and the caller frees it. A
 * malformed value fills perr with PV_ERR_ARGUMENT (so 400) and a message
 * that names the parameter and echoes at most 40 bytes of the value, cut at
 * a character boundary; running out of memory fills it with PV_ERR_NOMEM.
 * Tests assert these messages: change them only together with docs/api.md.
 */
#ifndef PV_API_PARAMS_H
#define PV_API_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "calltree.h"
#include "error.h"
#include "json.h"
#include "registry.h"

/* ---- Replies ------------------------------------------------------------ */

/* Fills reply with {"error": message} (printf-formatted, cut at a character
 * boundary when longer than PV_ERROR_MESSAGE_MAX + 63 bytes) and status. */
int pv_api_reply_error(pv_api_reply *reply, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills reply with err as {"error": message} and the status of its kind
 * (status.h). */
int pv_api_reply_fail(pv_api_reply *reply, const pv_error *err);

/* Hands the text of w to reply with status 200 (w is emptied), or answers
 * 500 "out of memory" when the writer ran out of memory. */
int pv_api_reply_json(pv_api_reply *reply, pv_json *w);

/* ---- Echoing input in messages ------------------------------------------ */

/* The length of s to echo in a message ("%.*s"): at most max bytes, cut at
 * a character boundary. */
int pv_api_clip(const char *s, size_t max);

/* The same for a parameter value: at most 40 bytes. */
int pv_api_echo_len(const char *v);

/* ---- Parameters ---------------------------------------------------------- */

/* Fetches parameter name. Returns 1 with *value set, 0 when absent (*value
 * unchanged), -1 with perr filled when it holds a NUL byte. */
int pv_api_get_param(const pv_api_request *req, const char *name, const char **value,
                     pv_error *perr);

/* Parses a whole decimal integer (digits only, an optional leading '-').
 * Returns true with *out set, false when s is not one or overflows. */
bool pv_api_parse_int(const char *s, long long *out);

/* Reads integer parameter name from [min, max] into *out (unchanged when
 * absent). Returns 0, or -1 with perr filled. */
int pv_api_int_param(const pv_api_request *req, const char *name, long long min, long long max,
                     long long *out, pv_error *perr);

/* Reads a number parameter from [0, 1] into *out (unchanged when absent).
 * Returns 0, or -1 with perr filled. */
int pv_api_fraction_param(const pv_api_request *req, const char *name, double *out, pv_error *perr);

/* Reads a parameter that must be one of words[0..n) and sets *out to its
 * index (unchanged when absent); expected is the list as the message gives
 * it ("asc or desc"). Returns 0, or -1 with perr filled. */
int pv_api_word_param(const pv_api_request *req, const char *name, const char *const *words, int n,
                      const char *expected, int *out, pv_error *perr);

/* Reads path parameter name ("ID,ID,...", at most PV_API_MAX_PATH steps,
 * each a function id up to UINT32_MAX; "" is the empty path) into a new
 * array *ids of *n steps (NULL and 0 when empty or absent; the caller frees
 * it). Returns 1 when given, 0 when absent, or -1 with perr filled. */
int pv_api_path_param(const pv_api_request *req, const char *name, int64_t **ids, size_t *n,
                      pv_error *perr);

/* Reads a tree request's parameters, as /tree and /compare/tree take them:
 * depth (0 to PV_API_MAX_DEPTH), max_nodes (1 to PV_API_MAX_NODES), cutoff
 * and path, over pv_tree_request_defaults. Fills *treq; its path is a new
 * array the caller frees (NULL when empty or absent). Returns 0, or -1 with
 * perr filled (treq->path then NULL). */
int pv_api_tree_params(const pv_api_request *req, pv_tree_request *treq, pv_error *perr);

/* ---- Paths ---------------------------------------------------------------- */

/* Segments of a path are shorter than this. */
#define PV_API_SEGMENT_MAX 64

/* Splits rest (a path after "/api/profiles/") at '/' into at most max
 * segments, each NUL-terminated in seg. Returns the number of segments, or
 * -1 when there are more, one is empty or too long, or the path ends in '/'. */
int pv_api_split_path(const char *rest, char seg[][PV_API_SEGMENT_MAX], int max);

/* ---- Summaries ---------------------------------------------------------- */

/* Writes the members of entry's summary ("id", "name", "functions",
 * "total_calls", "primitive_calls", "total_time", "size", "modified") inside
 * an object already begun: what /api/profiles lists and report --compare
 * --json prints. Reads only the entry's summary fields, so it works on copies
 * whose profile is evicted. */
void pv_api_put_summary_members(pv_json *w, const pv_registry_entry *entry);

/* Writes "hidden": {"time", "count"}, what a tree node leaves out (a node
 * budget, a cutoff), when count is above 0; nothing otherwise. */
void pv_api_put_hidden(pv_json *w, double time, int64_t count);

/* Writes "why": a tree node's reason for an estimate by its API name
 * (pv_tree_why_name), or null on a measured node. */
void pv_api_put_why(pv_json *w, pv_tree_why why);

#endif
