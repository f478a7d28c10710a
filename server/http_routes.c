/* http_routes.c: the routes of the server and their pool jobs (see
 * http_internal.h): the API's route table, uploads once their body is in,
 * and the page with its start data. A job runs with its connection
 * suspended, fills the request's reply, compresses it there (respond.h) and
 * resumes the connection; http.c then queues the reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

/* A tree or page job's declared memory (most are far smaller). */
#define API_JOB_COST ((size_t)32 << 20)
/* The page job's: the list of profiles, its escaped copy and the page. */
#define PAGE_JOB_COST (8 * PV_PAGE_MAX_LIST)

/* ---- API ---------------------------------------------------------------------- */

int pv_http_lookup_arg(void *ctx, const char *name, const char **value, size_t *len)
{
    struct MHD_Connection *conn = ctx;
    const char *v = NULL;
    size_t n = 0;
    if (MHD_lookup_connection_value_n(conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &n) !=
        MHD_YES)
        return 0;
    *value = v ? v : "";
    *len = v ? n : 0;
    return 1;
}

/* In team mode, rescans the folder when it changed (folder.h). */
void pv_http_rescan(server *s)
{
    pv_error err;
    if (s->folder && pv_folder_refresh(s->folder, &err) < 0)
        fprintf(stderr, "profviz: %s\n", err.message);
}

static int api_plain(server *s, const pv_api_request *req, pv_api_reply *reply)
{
    return pv_api_handle(s->registry, req, reply);
}

static int api_list(server *s, const pv_api_request *req, pv_api_reply *reply)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) pv_http_rescan(s);
    return pv_api_handle(s->registry, req, reply);
}

/* The routes under /api, first match wins; everything else is the web UI.
 * A new endpoint is a new row (before "/api/" when it is under it). */
static const route routes[] = {
    {"/api/health", false, false, api_plain},
    {"/api/profiles", false, true, api_list},
    {"/api/", true, true, api_plain},
    {"/api", false, false, api_plain},
};

static const route *find_route(const char *url)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const route *r = &routes[i];
        if (r->prefix ? strncmp(url, r->path, strlen(r->path)) == 0 : strcmp(url, r->path) == 0)
            return r;
    }
    return NULL;
}

static void fill_api_request(const request *r, const char *path, const char *method,
                             pv_api_request *req)
{
    *req = (pv_api_request){.method = method,
                            .path = path,
                            .arg = pv_http_lookup_arg,
                            .arg_ctx = r->conn,
                            .uploads = r->s->folder && pv_folder_writable(r->s->folder),
                            .newest_first = r->s->folder != NULL};
}

/* Compresses a job's reply on the pool, where it was made (respond.h). */
static void pack_reply(request *r, const char *content_type)
{
    r->reply_packed = r->reply_rc == 0 && r->reply.body &&
                      pv_respond_pack(r->conn, content_type, &r->reply.body, &r->reply.len);
}

/* The pool job of an API route. */
static void run_api_job(void *arg)
{
    request *r = arg;
    pv_api_request req;
    fill_api_request(r, r->path, r->method, &req);
    r->reply_rc = r->route->fn(r->s, &req, &r->reply);
    pack_reply(r, pv_respond_json_type);
    r->done = true;
    MHD_resume_connection(r->conn);
}

/* The pool job of an upload: parse and store it, then its summary. */
void pv_http_upload_job(void *arg)
{
    request *r = arg;
    server *s = r->s;
    const char *name = NULL;
    size_t name_len = 0;
    if (!pv_http_lookup_arg(r->conn, "name", &name, &name_len) || !*name)
        name = pv_intake_part_name(r->intake) ? pv_intake_part_name(r->intake) : "upload.prof";
    char id[PV_REGISTRY_ID_LEN + 1];
    pv_error err;
    pv_http_rescan(s); /* files copied in since the last scan count for dedupe */
    pv_upload_result result = pv_intake_store(r->intake, name, id, &err);
    r->reply_rc = pv_api_upload_reply(s->registry, result, id, &err, &r->reply);
    if (r->reply_rc == 0 && r->reply.status == MHD_HTTP_CREATED)
        snprintf(r->location, sizeof r->location, "/api/profiles/%s", id);
    pack_reply(r, pv_respond_json_type);
    r->done = true;
    MHD_resume_connection(r->conn);
}

/* Hands the request to the pool and suspends its connection. */
enum MHD_Result pv_http_submit(request *r, void (*fn)(void *), size_t cost)
{
    r->queued = true;
    MHD_suspend_connection(r->conn);
    if (pv_pool_submit(r->s->pool, cost, fn, r) < 0) {
        MHD_resume_connection(r->conn);
        r->queued = false;
        return pv_respond_error(&r->s->policy, r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                "the server is busy: try again in a moment");
    }
    return MHD_YES;
}

enum MHD_Result pv_http_serve_api(request *r, const char *url, const char *method)
{
    server *s = r->s;
    const route *rt = find_route(url);
    if (!rt) return pv_respond_not_found(&s->policy, r->conn, true);
    if (!rt->pooled) {
        pv_api_request req;
        pv_api_reply reply;
        fill_api_request(r, url, method, &req);
        if (rt->fn(s, &req, &reply) < 0) return pv_respond_oom(&s->policy, r->conn);
        return pv_respond_reply(&s->policy, r->conn, &reply, NULL);
    }
    r->route = rt;
    r->path = strdup(url);
    r->method = strdup(method);
    if (!r->path || !r->method) return pv_respond_oom(&s->policy, r->conn);
    return pv_http_submit(r, run_api_job, API_JOB_COST);
}

/* ---- The page ----------------------------------------------------------------- */

#define PAGE_TYPE "text/html; charset=utf-8"

bool pv_http_is_page(const char *url, const char *method)
{
    return (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) &&
           (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
}

/* Fills reply with index.html and its start data (page.h): status 200 and
 * the page, or 404 (no index.html) or 500 (unreadable, out of memory)
 * without a body. */
static void page_reply(server *s, const pv_page_start *start, pv_api_reply *reply)
{
    *reply = (pv_api_reply){.status = 500};
    pv_asset a;
    unsigned char *owned = NULL;
    pv_error err;
    int found = pv_assets_find(s->assets, "index.html", &a, &owned, &err);
    if (found <= 0) {
        reply->status = found == 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR;
        return;
    }
    size_t jlen = 0;
    char *json = pv_page_boot_json(s->registry, s->folder && pv_folder_writable(s->folder),
                                   s->folder != NULL, PV_PAGE_MAX_LIST, start, &jlen);
    if (json) {
        reply->body = pv_page_render((const char *)a.data, a.size, json, jlen, &reply->len);
        if (reply->body) reply->status = MHD_HTTP_OK;
    }
    free(json);
    free(owned);
}

/* The pool job of the page: the list may need a rescan of the folder. */
static void run_page_job(void *arg)
{
    request *r = arg;
    pv_http_rescan(r->s);
    page_reply(r->s, &r->page_start, &r->reply);
    r->reply_rc = 0;
    pack_reply(r, PAGE_TYPE);
    r->done = true;
    MHD_resume_connection(r->conn);
}

/* Queues the page a page job made. */
enum MHD_Result pv_http_respond_page(request *r)
{
    server *s = r->s;
    if (r->reply.status == MHD_HTTP_NOT_FOUND)
        return pv_respond_not_found(&s->policy, r->conn, false);
    if (!r->reply.body)
        return pv_respond_static(&s->policy, r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "cannot make the page\n", pv_respond_text_type);
    char *body = r->reply.body;
    r->reply.body = NULL;
    return pv_respond_packed(&s->policy, r->conn, MHD_HTTP_OK, body, r->reply.len, r->reply_packed,
                             PAGE_TYPE, "no-store", NULL);
}

/* Hands the page to the pool; when the pool is full, the plain index.html
 * (the page then asks the API for what it would have held). */
enum MHD_Result pv_http_serve_page(request *r, const char *url, const char *method)
{
    /* a URL that names at most the profile gets the start tree (page.h) */
    const char *profile = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "profile");
    int args = MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    r->page_start =
        (pv_page_start){.plain = args == (profile ? 1 : 0), .max_tree = PV_PAGE_MAX_TREE};
    if (profile && strlen(profile) < sizeof r->page_profile) {
        memcpy(r->page_profile, profile, strlen(profile) + 1);
        r->page_start.profile = r->page_profile;
    } else if (profile) {
        r->page_start.plain = false;
    }
    r->queued = true;
    r->page_job = true;
    MHD_suspend_connection(r->conn);
    if (pv_pool_submit(r->s->pool, PAGE_JOB_COST, run_page_job, r) < 0) {
        MHD_resume_connection(r->conn);
        r->queued = false;
        r->page_job = false;
        return pv_respond_web(&r->s->policy, r->s->assets, r->conn, url, method);
    }
    return MHD_YES;
}
