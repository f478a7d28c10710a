/* respond.h: every response the server sends is made here, so that each
 * carries the same headers: Content-Type, X-Content-Type-Options: nosniff,
 * Referrer-Policy: no-referrer, the Content-Security-Policy of the policy
 * (frame-ancestors 'self' and the --embed-origin values) and, without
 * embed origins, X-Frame-Options: SAMEORIGIN. Bodies over PV_HTTP_GZIP_MIN
 * bytes are gzip-compressed when the client accepts it: by the pool job that
 * made them (pv_respond_pack), so that microhttpd's threads, which serve
 * every connection, only queue them (a 20,000-node tree takes tens of
 * milliseconds to compress).
 *
 * Each function queues one response on the connection and returns
 * microhttpd's result; a body handed over ("owned") is freed in every case.
 * The policy is borrowed for the call.
 */
#ifndef PV_RESPOND_H
#define PV_RESPOND_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "assets.h"

#define PV_HTTP_GZIP_MIN 2048

typedef struct pv_respond_policy {
    const char *csp; /* Content-Security-Policy value */
    bool frame_deny; /* add X-Frame-Options: SAMEORIGIN */
} pv_respond_policy;

extern const char pv_respond_json_type[];
extern const char pv_respond_text_type[];

/* Queues r (destroyed here; NULL is out of memory) with status and the
 * common headers. */
enum MHD_Result pv_respond(const pv_respond_policy *policy, struct MHD_Connection *conn,
                           unsigned status, struct MHD_Response *r, const char *content_type,
                           const char *cache_control);

/* Queues a malloc'd body (taken over), compressed when worth it, with a
 * Location header when location is not NULL. */
enum MHD_Result pv_respond_owned(const pv_respond_policy *policy, struct MHD_Connection *conn,
                                 unsigned status, char *body, size_t len, const char *content_type,
                                 const char *cache_control, const char *location);

/* Compresses a body ahead of its response, on the thread that made it: when
 * content_type is worth compressing, len is over PV_HTTP_GZIP_MIN and the
 * client of conn accepts gzip, replaces *body (freed) by its gzip copy, sets
 * *len and returns true. Returns false, leaving both as they were, when it
 * is not worth it, not accepted, or out of memory. */
bool pv_respond_pack(struct MHD_Connection *conn, const char *content_type, char **body,
                     size_t *len);

/* pv_respond_owned for a body that pv_respond_pack has seen: packed says it
 * holds gzip (and is sent with Content-Encoding: gzip); it is not compressed
 * again either way. */
enum MHD_Result pv_respond_packed(const pv_respond_policy *policy, struct MHD_Connection *conn,
                                  unsigned status, char *body, size_t len, bool packed,
                                  const char *content_type, const char *cache_control,
                                  const char *location);

/* Queues a constant body (never freed), not cached. */
enum MHD_Result pv_respond_static(const pv_respond_policy *policy, struct MHD_Connection *conn,
                                  unsigned status, const char *body, const char *content_type);

/* Queues 500 {"error":"out of memory"}. */
enum MHD_Result pv_respond_oom(const pv_respond_policy *policy, struct MHD_Connection *conn);

/* Queues an API reply (its body taken over); a reply without a body (out of
 * memory) becomes a 500 whatever its status said, so a 201 never carries an
 * error. */
enum MHD_Result pv_respond_reply(const pv_respond_policy *policy, struct MHD_Connection *conn,
                                 pv_api_reply *reply, const char *location);

/* pv_respond_reply for a reply whose body pv_respond_pack has seen (packed:
 * it holds gzip). */
enum MHD_Result pv_respond_reply_packed(const pv_respond_policy *policy,
                                        struct MHD_Connection *conn, pv_api_reply *reply,
                                        bool packed, const char *location);

/* Queues {"error": message} with status. */
enum MHD_Result pv_respond_error(const pv_respond_policy *policy, struct MHD_Connection *conn,
                                 unsigned status, const char *message);

/* Queues 404, as JSON for the API, as text otherwise. */
enum MHD_Result pv_respond_not_found(const pv_respond_policy *policy, struct MHD_Connection *conn,
                                     bool api);

/* Serves the web UI file for url (GET and HEAD; else 405), with ETag,
 * 304 and the precompressed copy for embedded files. */
enum MHD_Result pv_respond_web(const pv_respond_policy *policy, const pv_assets *assets,
                               struct MHD_Connection *conn, const char *url, const char *method);

#endif
