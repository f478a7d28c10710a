/* fuzz_params: libFuzzer target for the API's path and query parameter
 * parsers (api.c, reached through pv_api_handle) and the front door's
 * string rules (auth.c). The input is split at its first newline bytes into
 * a path and NAME=VALUE parameters; the request runs against a registry
 * holding one fixture profile. Any input must give a reply whose status is
 * one the API documents and whose body is a JSON object or array; the
 * Host and redirect rules must never yield an off-site target. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 16

typedef struct args {
    char *names[MAX_ARGS];
    char *values[MAX_ARGS];
    size_t lens[MAX_ARGS];
    size_t n;
} args;

static int lookup(void *ctx, const char *name, const char **value, size_t *len)
{
    const args *a = ctx;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->names[i], name) == 0) {
            *value = a->values[i];
            *len = a->lens[i];
            return 1;
        }
    }
    return 0;
}

static pv_registry *reg;
static char id[PV_REGISTRY_ID_LEN + 1];

static void setup(void)
{
    pv_error err;
    reg = pv_registry_new(&err);
    if (!reg) abort();
    const char *fixture = getenv("PROFVIZ_FUZZ_PROFILE");
    if (!fixture) fixture = PROFVIZ_SOURCE_DIR "/tests/golden/cprofile-py313.prof";
    if (pv_registry_load_file(reg, fixture, id, &err) < 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!reg) setup();
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* Lines: the path, then NAME=VALUE each (values may hold NULs). */
    args a = {.n = 0};
    char *line = text, *end = text + size;
    char *path = line;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    line = nl ? nl + 1 : end;
    if (nl) *nl = '\0';
    while (line < end && a.n < MAX_ARGS) {
        nl = memchr(line, '\n', (size_t)(end - line));
        char *stop = nl ? nl : end;
        char *eq = memchr(line, '=', (size_t)(stop - line));
        if (nl) *nl = '\0';
        a.names[a.n] = line;
        a.values[a.n] = eq ? eq + 1 : stop;
        a.lens[a.n] = eq ? (size_t)(stop - eq - 1) : 0;
        if (eq) *eq = '\0';
        a.n++;
        line = nl ? nl + 1 : end;
    }
    /* Paths under a real profile reach every parameter parser. */
    char full[512];
    snprintf(full, sizeof full, "/api/profiles/%s%s", id, path);
    const char *paths[] = {full, path};
    for (int k = 0; k < 2; k++) {
        pv_api_request req = {.method = "GET", .path = paths[k], .arg = lookup, .arg_ctx = &a};
        pv_api_reply reply;
        int rc = pv_api_handle(reg, &req, &reply);
        if (rc == 0) {
            unsigned s = reply.status;
            if (s != 200 && s != 400 && s != 404 && s != 405 && s != 500) abort();
            if (!reply.body || (reply.body[0] != '{' && reply.body[0] != '[')) abort();
        }
        free(reply.body);
    }
    /* The front door's rules on the same text. */
    (void)pv_auth_host_allowed(NULL, path);
    (void)pv_auth_same_origin(path, a.n ? a.values[0] : NULL, NULL);
    (void)pv_auth_valid_origin(path);
    char target[256];
    pv_auth_redirect_target(path, target, sizeof target);
    if (target[0] != '/' || target[1] == '/' || target[1] == '\\') abort();
    free(text);
    return 0;
}
