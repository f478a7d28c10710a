/* auth.c: Host, Origin, token and redirect rules (see auth.h). */
#include "auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool pv_auth_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") == 0) return true;
    if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

/* Splits a Host header value into its host (brackets removed) and checks
 * the port, when there is one, is 1 to 5 digits. Returns false when the
 * value is malformed or the host does not fit out. */
static bool split_host(const char *value, char *out, size_t size)
{
    const char *end;
    const char *host = value;
    if (value[0] == '[') {
        host = value + 1;
        end = strchr(host, ']');
        if (!end) return false;
        if (end[1] != '\0' && end[1] != ':') return false;
    } else {
        end = strchr(value, ':');
        if (!end) end = value + strlen(value);
    }
    size_t len = (size_t)(end - host);
    if (len == 0 || len >= size) return false;
    memcpy(out, host, len);
    out[len] = '\0';
    const char *port = *end == ']' ? end + 1 : end;
    if (*port == ':') {
        port++;
        size_t digits = strspn(port, "0123456789");
        if (digits == 0 || digits > 5 || port[digits] != '\0') return false;
    } else if (*port != '\0') {
        return false;
    }
    return true;
}

bool pv_auth_host_allowed(const pv_auth_rules *rules, const char *host_header)
{
    if (!host_header) return true;
    char host[256];
    if (!split_host(host_header, host, sizeof host)) return false;
    if (pv_auth_is_loopback(host)) return true;
    for (size_t i = 0; rules && i < rules->nallow_hosts; i++) {
        const char *a = rules->allow_hosts[i];
        if (strcasecmp(a, host_header) == 0 || strcasecmp(a, host) == 0) return true;
    }
    return false;
}

bool pv_auth_changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

bool pv_auth_same_origin(const char *host_header, const char *origin, const char *sec_fetch_site)
{
    if (sec_fetch_site && strcasecmp(sec_fetch_site, "same-origin") != 0 &&
        strcasecmp(sec_fetch_site, "none") != 0)
        return false;
    if (!origin) return true;
    if (!host_header) return false;
    const char *rest = NULL;
    if (strncasecmp(origin, "http://", 7) == 0)
        rest = origin + 7;
    else if (strncasecmp(origin, "https://", 8) == 0)
        rest = origin + 8;
    else
        return false; /* "null" (sandboxed frames, file: pages) and others */
    return strcasecmp(rest, host_header) == 0;
}

bool pv_auth_token_equal(const char *token, const char *given, size_t given_len)
{
    size_t n = strlen(token);
    unsigned char diff = (unsigned char)(n != given_len);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(token[i] ^ (i < given_len ? given[i] : 0));
    return diff == 0;
}

bool pv_auth_bearer_matches(const char *token, const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return false;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    size_t len = strlen(t);
    while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
        len--;
    return pv_auth_token_equal(token, t, len);
}

/* True when the raw query parameter from p to end is named token. */
static bool is_token_param(const char *p, const char *end)
{
    return end - p >= 5 && strncmp(p, "token", 5) == 0 && (p + 5 == end || p[5] == '=');
}

bool pv_auth_redirect_target(const char *raw_uri, char *out, size_t size)
{
    if (size < 2) return false;
    const char *p = raw_uri;
    while (*p == '/' || *p == '\\')
        p++;
    size_t path_len = strcspn(p, "?#");
    size_t o = 0;
    out[o++] = '/';
    if (path_len + 1 >= size) goto too_long;
    memcpy(out + o, p, path_len);
    o += path_len;
    const char *q = p[path_len] == '?' ? p + path_len + 1 : NULL;
    bool first = true;
    while (q && *q && *q != '#') {
        const char *end = q + strcspn(q, "&#");
        if (end > q && !is_token_param(q, end)) {
            size_t n = (size_t)(end - q);
            if (o + 1 + n >= size) goto too_long;
            out[o++] = first ? '?' : '&';
            memcpy(out + o, q, n);
            o += n;
            first = false;
        }
        q = *end == '&' ? end + 1 : end;
    }
    out[o] = '\0';
    /* Control characters never reach a Location header. */
    for (size_t i = 0; i < o; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) goto too_long;
    return true;
too_long:
    snprintf(out, size, "/");
    return false;
}

bool pv_auth_valid_origin(const char *origin)
{
    const char *p;
    if (strncmp(origin, "http://", 7) == 0)
        p = origin + 7;
    else if (strncmp(origin, "https://", 8) == 0)
        p = origin + 8;
    else
        return false;
    if (*p == '[') {
        size_t n = strspn(p + 1, "0123456789abcdefABCDEF:.");
        if (n == 0 || p[1 + n] != ']') return false;
        p += n + 2;
    } else {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
        if (n == 0 || n > 253) return false;
        p += n;
    }
    if (*p == ':') {
        size_t digits = strspn(p + 1, "0123456789");
        if (digits == 0 || digits > 5) return false;
        p += 1 + digits;
    }
    return *p == '\0';
}
