/* page.c: index.html with its start data embedded (see page.h). */
#include "page.h"

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

/* The body of GET path, or NULL when it is not a 200 (or out of memory). */
static char *api_body(pv_registry *reg, const char *path, bool uploads, bool newest_first,
                      size_t *len)
{
    pv_api_request req = {
        .method = "GET", .path = path, .uploads = uploads, .newest_first = newest_first};
    pv_api_reply reply;
    if (pv_api_handle(reg, &req, &reply) < 0) return NULL;
    if (reply.status != 200) {
        free(reply.body);
        return NULL;
    }
    *len = reply.len;
    return reply.body;
}

char *pv_page_boot_json(pv_registry *reg, bool uploads, bool newest_first, size_t max_list,
                        size_t *out_len)
{
    size_t hlen = 0, plen = 0;
    char *health = api_body(reg, "/api/health", uploads, newest_first, &hlen);
    if (!health) return NULL;
    char *list = api_body(reg, "/api/profiles", uploads, newest_first, &plen);
    if (list && plen > max_list) {
        free(list);
        list = NULL;
    }
    if (!list) plen = 4; /* null */
    static const char a[] = "{\"health\":", b[] = ",\"profiles\":", c[] = "}";
    size_t size = sizeof a - 1 + hlen + sizeof b - 1 + plen + sizeof c - 1;
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
        memcpy(p, c, sizeof c);
        out = pv_page_escape_json(json, size, out_len);
    }
    free(json);
    free(health);
    free(list);
    return out;
}
