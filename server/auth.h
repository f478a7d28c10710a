/* auth.h: the front door's rules: which Host a request may name, which
 * requests may change state, the token, and where a redirect may point.
 *
 * Every function here is pure: it takes header values as strings (NULL when
 * the header is absent) and decides, so the rules are tested without a
 * server. http.c asks them for every request before routing it.
 *
 * - Host (DNS rebinding): a request must name this machine (localhost,
 *   127.0.0.0/8 or [::1], with or without a port) or one of the values given
 *   with --allow-host. A page on a rebinding domain sends its own name and is
 *   refused. A request without Host (HTTP/1.0 from a script) passes: browsers
 *   always send one.
 * - State-changing methods (POST, PUT, PATCH, DELETE; CSRF): an Origin, when
 *   sent, must be this server (http:// or https:// and the request's own
 *   Host), and a Sec-Fetch-Site, when sent, must be same-origin or none. A
 *   request with neither (curl, scripts) passes. Another port of the same
 *   host is another origin.
 * - Tokens are compared in time that depends on the lengths only.
 * - A redirect target is always a path on this server: a raw URI starting
 *   with several slashes or backslashes ("//evil.example/x") keeps one.
 *
 * Ownership: pv_auth_rules borrows the strings of its allow list; nothing
 * here allocates.
 */
#ifndef PV_AUTH_H
#define PV_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pv_auth_rules {
    const char *const *allow_hosts; /* --allow-host values (host, or host:port) */
    size_t nallow_hosts;
} pv_auth_rules;

/* True for a name or address only this machine reaches: "localhost",
 * 127.0.0.0/8, "::1" (no brackets, no port). */
bool pv_auth_is_loopback(const char *host);

/* True when a request with this Host header (NULL: none) may be served. */
bool pv_auth_host_allowed(const pv_auth_rules *rules, const char *host_header);

/* True for POST, PUT, PATCH and DELETE (and any method that is not GET,
 * HEAD or OPTIONS). */
bool pv_auth_changes_state(const char *method);

/* True when a state-changing request with these headers (each NULL when
 * absent) comes from this server's own pages or from no browser. */
bool pv_auth_same_origin(const char *host_header, const char *origin, const char *sec_fetch_site);

/* Compares the token and given_len bytes of given in constant time. */
bool pv_auth_token_equal(const char *token, const char *given, size_t given_len);

/* Finds the token in an Authorization header value ("Bearer TOKEN", any
 * case, spaces around it ignored). True when it matches. */
bool pv_auth_bearer_matches(const char *token, const char *authorization);

/* Writes into out (size bytes) the local path to redirect to after taking
 * the token from a raw request URI: the path with leading slashes and
 * backslashes cut to one "/", and the query without any token parameter.
 * Returns false when it does not fit (out then holds "/"). */
bool pv_auth_redirect_target(const char *raw_uri, char *out, size_t size);

/* True when origin is a web origin to allow framing from: http:// or
 * https://, a host of letters, digits, '.', '-', '_' or a bracketed IPv6
 * address, an optional port, and nothing else. */
bool pv_auth_valid_origin(const char *origin);

#endif
