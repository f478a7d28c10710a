/* api.h: the REST API under /api, answering with JSON (json.h).
 *
 * pv_api_handle takes a request already split by the HTTP layer (method,
 * decoded path, and a way to look up query parameters) and fills a
 * pv_api_reply: a status and a JSON body that the caller owns and frees with
 * free(). It knows nothing of microhttpd, so it is tested without a server.
 * Errors are replies too: {"error": "message"} with 400 (a malformed or
 * out-of-range parameter, and the message names it), 404 (unknown profile,
 * function, tree node or path under /api), 405 (a method other than GET or
 * HEAD) or 500 (out of memory). Everything it reads comes from the registry;
 * it keeps no state between calls, so any number of threads may call it.
 *
 * The JSON shapes are documented in docs/api.md. Numbers that pstats leaves
 * blank (a per-call time with zero calls, the times of a call-count-only
 * edge) are null.
 */
#ifndef PV_API_H
#define PV_API_H

#include <stdbool.h>
#include <stddef.h>

#include "folder.h"
#include "registry.h"

/* Looks up query parameter name. Returns 1 and sets *value (NUL-terminated,
 * "" when given without '=') and *len (which may exceed strlen(*value) when
 * the decoded value holds a NUL byte), or 0 when the parameter is absent. */
typedef int (*pv_api_arg_fn)(void *ctx, const char *name, const char **value, size_t *len);

typedef struct pv_api_request {
    const char *method; /* "GET", "HEAD", ... */
    const char *path;   /* decoded path, starting with "/api" */
    pv_api_arg_fn arg;
    void *arg_ctx;
    bool uploads;      /* uploads are on (--dir, writable): health says so */
    bool newest_first; /* team mode (--dir, read-only too): the list is newest first */
} pv_api_request;

typedef struct pv_api_reply {
    unsigned status;
    char *body; /* JSON text, NUL-terminated; the caller frees it */
    size_t len;
} pv_api_reply;

/* Limits of the parameters (documented in docs/api.md). */
#define PV_API_DEFAULT_LIMIT 100
#define PV_API_MAX_LIMIT 10000
#define PV_API_MAX_QUERY 1000
#define PV_API_MAX_DEPTH 1000
#define PV_API_MAX_NODES 20000 /* a bigger tree costs too much to build and send */
#define PV_API_MAX_PATH 10000

/* Answers req from reg. Returns 0 with *reply filled (any status), or -1 when
 * not even an error body could be allocated (reply->body is NULL; answer 500
 * with a static body). */
int pv_api_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply);

/* Fills reply with the summary of profile id (as in the list) and status
 * (200 or 201 for an upload), or a 404 error when there is no such profile.
 * Returns 0, or -1 when out of memory (as pv_api_handle). */
int pv_api_summary_reply(pv_registry *reg, const char *id, unsigned status, pv_api_reply *reply);

/* Fills reply with the answer to an upload that pv_upload_finish ended with
 * result: 201 and the summary of id when it was stored, 200 and the summary
 * when it was held already, 400 and err's message when it is not a valid
 * profile, err's kind's status (status.h) and its message when it failed.
 * Returns 0, or -1 when out of memory (as pv_api_handle). */
int pv_api_upload_reply(pv_registry *reg, pv_upload_result result, const char *id,
                        const pv_error *err, pv_api_reply *reply);

/* Fills reply with {"error": message} and status. Returns 0, or -1 when out
 * of memory (as pv_api_handle). */
int pv_api_error_reply(unsigned status, const char *message, pv_api_reply *reply);

#endif
