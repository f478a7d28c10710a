/* respond.c: building and queueing responses with the headers every one
 * carries (see respond.h), and serving the web UI's files. */
#include "respond.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"

const char pv_respond_json_type[] = "application/json; charset=utf-8";
const char pv_respond_text_type[] = "text/plain; charset=utf-8";
#define json_type pv_respond_json_type
#define text_type pv_respond_text_type

static void add_common_headers(const pv_respond_policy *s, struct MHD_Response *r,
                               const char *content_type)
{
    if (content_type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", s->csp);
    if (s->frame_deny) MHD_add_response_header(r, "X-Frame-Options", "SAMEORIGIN");
}

enum MHD_Result pv_respond(const pv_respond_policy *s, struct MHD_Connection *conn, unsigned status,
                           struct MHD_Response *r, const char *content_type,
                           const char *cache_control)
{
    if (!r) return MHD_NO;
    add_common_headers(s, r, content_type);
    if (cache_control) MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool accepts_gzip(struct MHD_Connection *conn)
{
    return pv_gzip_accepted(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

bool pv_respond_pack(struct MHD_Connection *conn, const char *content_type, char **body,
                     size_t *len)
{
    if (!pv_assets_compressible(content_type) || *len <= PV_HTTP_GZIP_MIN || !accepts_gzip(conn))
        return false;
    size_t gz_len = 0;
    unsigned char *packed = pv_gzip_compress(*body, *len, 3, &gz_len);
    if (!packed) return false;
    free(*body);
    *body = (char *)packed;
    *len = gz_len;
    return true;
}

enum MHD_Result pv_respond_packed(const pv_respond_policy *s, struct MHD_Connection *conn,
                                  unsigned status, char *body, size_t len, bool packed,
                                  const char *content_type, const char *cache_control,
                                  const char *location)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (pv_assets_compressible(content_type))
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (packed) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (location) MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
    return pv_respond(s, conn, status, r, content_type, cache_control);
}

/* Queues a response of status with body (a malloc'd buffer, taken over in
 * every case), gzip-compressing it when accepted and large enough. */
enum MHD_Result pv_respond_owned(const pv_respond_policy *s, struct MHD_Connection *conn,
                                 unsigned status, char *body, size_t len, const char *content_type,
                                 const char *cache_control, const char *location)
{
    bool packed = pv_respond_pack(conn, content_type, &body, &len);
    return pv_respond_packed(s, conn, status, body, len, packed, content_type, cache_control,
                             location);
}

/* Queues a constant body (never freed). */
enum MHD_Result pv_respond_static(const pv_respond_policy *s, struct MHD_Connection *conn,
                                  unsigned status, const char *body, const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_PERSISTENT);
    return pv_respond(s, conn, status, r, content_type, "no-store");
}

enum MHD_Result pv_respond_oom(const pv_respond_policy *s, struct MHD_Connection *conn)
{
    return pv_respond_static(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                             "{\"error\":\"out of memory\"}", json_type);
}

/* Queues an API reply (its body taken over); a reply without a body (out
 * of memory) becomes a 500 whatever its status said. */
enum MHD_Result pv_respond_reply(const pv_respond_policy *s, struct MHD_Connection *conn,
                                 pv_api_reply *reply, const char *location)
{
    if (!reply->body) return pv_respond_oom(s, conn);
    char *body = reply->body;
    reply->body = NULL;
    return pv_respond_owned(s, conn, reply->status, body, reply->len, json_type, "no-store",
                            location);
}

enum MHD_Result pv_respond_reply_packed(const pv_respond_policy *s, struct MHD_Connection *conn,
                                        pv_api_reply *reply, bool packed, const char *location)
{
    if (!reply->body) return pv_respond_oom(s, conn);
    char *body = reply->body;
    reply->body = NULL;
    return pv_respond_packed(s, conn, reply->status, body, reply->len, packed, json_type,
                             "no-store", location);
}

/* Queues {"error": message} with status. */
enum MHD_Result pv_respond_error(const pv_respond_policy *s, struct MHD_Connection *conn,
                                 unsigned status, const char *message)
{
    pv_api_reply reply;
    if (pv_api_error_reply(status, message, &reply) < 0) return pv_respond_oom(s, conn);
    return pv_respond_reply(s, conn, &reply, NULL);
}

enum MHD_Result pv_respond_not_found(const pv_respond_policy *s, struct MHD_Connection *conn,
                                     bool api)
{
    if (api) return pv_respond_error(s, conn, MHD_HTTP_NOT_FOUND, "no such API endpoint");
    return pv_respond_static(s, conn, MHD_HTTP_NOT_FOUND, "404 not found\n", text_type);
}

static bool etag_matches(struct MHD_Connection *conn, const char *etag)
{
    const char *h =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    return etag && h && (strstr(h, etag) || strcmp(h, "*") == 0);
}

enum MHD_Result pv_respond_web(const pv_respond_policy *s, const pv_assets *assets,
                               struct MHD_Connection *conn, const char *url, const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return pv_respond_static(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n",
                                 text_type);
    char rel[1024];
    if (!pv_assets_path(url, rel, sizeof rel)) return pv_respond_not_found(s, conn, false);
    pv_asset a;
    unsigned char *owned = NULL;
    pv_error err;
    int found = pv_assets_find(assets, rel, &a, &owned, &err);
    if (found < 0)
        return pv_respond_static(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the file\n",
                                 text_type);
    if (found == 0) return pv_respond_not_found(s, conn, false);
    if (owned)
        return pv_respond_owned(s, conn, MHD_HTTP_OK, (char *)owned, a.size, a.content_type,
                                "no-store", NULL);
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    bool gz = false;
    if (etag_matches(conn, a.etag)) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else if (a.gz && accepts_gzip(conn)) {
        r = MHD_create_response_from_buffer(a.gz_size, (void *)(uintptr_t)a.gz,
                                            MHD_RESPMEM_PERSISTENT);
        gz = true;
    } else {
        r = MHD_create_response_from_buffer(a.size, (void *)(uintptr_t)a.data,
                                            MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO;
    /* Files keep their names across versions, so clients revalidate with
     * the ETag every time (a cheap 304). */
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a.etag);
    if (a.gz) MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gz) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    return pv_respond(s, conn, status, r, a.content_type, "no-cache");
}
