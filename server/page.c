/* page.c: index.html with its start data embedded (see page.h). */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* The escape of byte i of json (a \u sequence, 6 bytes), or NULL when it
 * is copied as it is. *skip is the bytes the escape stands for. */
static const char *escape_at(const char *json, size_t len, size_t i, size_t *skip)
{
    *skip = 1;
    switch (json[i]) {
    case '<':
        return "\\u003c";
    case '>':
        return "\\u003e";
    case '&':
        return "\\u0026";
    case '\xe2':
        /* U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8 */
        if (i + 2 < len && json[i + 1] == '\x80' &&
            (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
            *skip = 3;
            return json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
        }
        return NULL;
    default:
        return NULL;
    }
}

char *pv_page_escape_json(const char *json, size_t len, size_t *out_len)
{
    size_t size = 0, skip;
    for (size_t i = 0; i < len; i += skip)
        size += escape_at(json, len, i, &skip) ? 6 : 1;
    char *out = malloc(size + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += skip) {
        const char *e = escape_at(json, len, i, &skip);
        if (e) {
            memcpy(out + o, e, 6);
            o += 6;
        } else {
            out[o++] = json[i];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* The first occurrence of needle (n bytes) in hay (len bytes), or NULL. */
static const char *find(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0) return hay + i;
    return NULL;
}

char *pv_page_render(const char *tmpl, size_t tmpl_len, const char *json, size_t json_len,
                     size_t *out_len)
{
    static const char open[] = PV_PAGE_BLOCK_OPEN PV_PAGE_BLOCK_EMPTY;
    const size_t open_len = sizeof PV_PAGE_BLOCK_OPEN - 1, empty_len = 4; /* "null" */
    const char *at = find(tmpl, tmpl_len, open, sizeof open - 1);
    size_t head = at ? (size_t)(at - tmpl) + open_len : tmpl_len;
    size_t tail = at ? tmpl_len - head - empty_len : 0;
    size_t size = head + (at ? json_len : 0) + tail;
    char *out = malloc(size + 1);
    if (!out) return NULL;
    memcpy(out, tmpl, head);
    if (at) {
        memcpy(out + head, json, json_len);
        memcpy(out + head + json_len, tmpl + head + empty_len, tail);
    }
    out[size] = '\0';
    *out_len = size;
    return out;
}

/* The answer to GET path?args (args: name=value pairs, NULL-ended), as an
 * api_arg callback reads them. */
typedef struct fixed_args {
    const char *const *pairs;
} fixed_args;

static int fixed_arg(void *ctx, const char *name, const char **value, size_t *len)
{
    const fixed_args *a = ctx;
    for (const char *const *p = a ? a->pairs : NULL; p && p[0]; p += 2)
        if (strcmp(p[0], name) == 0) {
            *value = p[1];
            *len = strlen(p[1]);
            return 1;
        }
    return 0;
}

/* The body of GET path, or NULL when it is not a 200 (or out of memory). */
static char *api_body(pv_registry *reg, const char *path, const char *const *args, bool uploads,
                      bool newest_first, size_t *len)
{
    fixed_args a = {args};
    pv_api_request req = {.method = "GET",
                          .path = path,
                          .arg = fixed_arg,
                          .arg_ctx = &a,
                          .uploads = uploads,
                          .newest_first = newest_first};
    pv_api_reply reply;
    if (pv_api_handle(reg, &req, &reply) < 0) return NULL;
    if (reply.status != 200) {
        free(reply.body);
        return NULL;
    }
    *len = reply.len;
    return reply.body;
}

/* The profile a plain start opens: the one named, or the only one of a
 * server without uploads (as the page decides, web/js/boot.js). Copies its
 * id into id; false when there is none. */
static bool start_profile(pv_registry *reg, const pv_page_start *start, bool uploads,
                          char id[PV_REGISTRY_ID_LEN + 1])
{
    if (!start || !start->plain) return false;
    if (start->profile) {
        size_t n = strlen(start->profile);
        if (n == 0 || n > PV_REGISTRY_ID_LEN) return false;
        for (size_t i = 0; i < n; i++)
            if (!((start->profile[i] >= '0' && start->profile[i] <= '9') ||
                  (start->profile[i] >= 'a' && start->profile[i] <= 'f')))
                return false;
        memcpy(id, start->profile, n + 1);
        return true;
    }
    if (uploads) return false;
    pv_registry_entry *list = NULL;
    size_t count = 0;
    pv_error err;
    if (pv_registry_list(reg, false, &list, &count, &err) < 0) return false;
    bool one = count == 1;
    if (one) memcpy(id, list[0].id, sizeof list[0].id);
    pv_registry_list_free(list, count);
    return one;
}

/* {"profile", "path", "depth", "cutoff", "max_nodes", "body"} of the start
 * tree, or NULL (none to give, too large, out of memory). */
static char *start_tree(pv_registry *reg, const pv_page_start *start, bool uploads,
                        bool newest_first, size_t *out_len)
{
    char id[PV_REGISTRY_ID_LEN + 1];
    if (!start_profile(reg, start, uploads, id)) return NULL;
    /* a profile not parsed yet (or evicted) would hold the page back: the
     * page shows its frame and spinner at once, and asks for the tree */
    if (!pv_registry_is_loaded(reg, id)) return NULL;
    char path[64 + PV_REGISTRY_ID_LEN];
    snprintf(path, sizeof path, "/api/profiles/%s/tree", id);
    static const char *const args[] = {"path",      "",
                                       "depth",     PV_PAGE_TREE_DEPTH,
                                       "cutoff",    PV_PAGE_TREE_CUTOFF,
                                       "max_nodes", PV_PAGE_TREE_NODES,
                                       "form",      PV_PAGE_TREE_FORM,
                                       NULL};
    size_t blen = 0;
    char *body = api_body(reg, path, args, uploads, newest_first, &blen);
    if (!body) return NULL;
    if (blen > start->max_tree) {
        free(body);
        return NULL;
    }
    char head[160 + PV_REGISTRY_ID_LEN];
    int w = snprintf(head, sizeof head,
                     "{\"profile\":\"%s\",\"path\":[],\"depth\":%s,\"cutoff\":%s,"
                     "\"max_nodes\":%s,\"body\":",
                     id, PV_PAGE_TREE_DEPTH, PV_PAGE_TREE_CUTOFF, PV_PAGE_TREE_NODES);
    char *out = malloc((size_t)w + blen + 2);
    if (out) {
        memcpy(out, head, (size_t)w);
        memcpy(out + w, body, blen);
        memcpy(out + w + blen, "}", 2);
        *out_len = (size_t)w + blen + 1;
    }
    free(body);
    return out;
}

char *pv_page_boot_json(pv_registry *reg, bool uploads, bool newest_first, size_t max_list,
                        const pv_page_start *start, size_t *out_len)
{
    size_t hlen = 0, plen = 0, tlen = 0;
    char *health = api_body(reg, "/api/health", NULL, uploads, newest_first, &hlen);
    if (!health) return NULL;
    char *list = api_body(reg, "/api/profiles", NULL, uploads, newest_first, &plen);
    if (list && plen > max_list) {
        free(list);
        list = NULL;
    }
    if (!list) plen = 4; /* null */
    char *tree = start_tree(reg, start, uploads, newest_first, &tlen);
    if (!tree) tlen = 4;
    static const char a[] = "{\"health\":", b[] = ",\"profiles\":", t[] = ",\"tree\":", c[] = "}";
    size_t size = sizeof a - 1 + hlen + sizeof b - 1 + plen + sizeof t - 1 + tlen + sizeof c - 1;
    char *json = malloc(size + 1);
    char *out = NULL;
    if (json) {
        char *p = json;
        memcpy(p, a, sizeof a - 1);
        p += sizeof a - 1;
        memcpy(p, health, hlen);
        p += hlen;
        memcpy(p, b, sizeof b - 1);
        p += sizeof b - 1;
        memcpy(p, list ? list : "null", plen);
        p += plen;
        memcpy(p, t, sizeof t - 1);
        p += sizeof t - 1;
        memcpy(p, tree ? tree : "null", tlen);
        p += tlen;
        memcpy(p, c, sizeof c);
        out = pv_page_escape_json(json, size, out_len);
    }
    free(json);
    free(health);
    free(list);
    free(tree);
    return out;
}
