/* api_fixture.h: the fixture of the API unit tests (server_api.c,
 * server_api_tree.c): a registry holding the golden cprofile-py313.prof, and
 * one request to pv_api_handle without a server. Include after cmocka.h.
 * setup allocates the fixture and teardown frees it and the registry; a
 * body that call hands back is the caller's to free. */
#ifndef PV_TEST_API_FIXTURE_H
#define PV_TEST_API_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fake_arg.h"
#include "registry.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

typedef struct fixture {
    pv_registry *reg;
    char id[PV_REGISTRY_ID_LEN + 1];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    pv_error err;
    f->reg = pv_registry_new(&err);
    if (!f->reg || pv_registry_load_file(f->reg, FIXTURE("cprofile-py313.prof"), f->id, &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pv_registry_free(f->reg);
    free(f);
    return 0;
}

/* Runs one request (args: "name=value" strings, NULL-terminated, or NULL);
 * returns the status and leaves the body in *body (free it). */
static unsigned call(fixture *f, const char *method, const char *path, const char **args,
                     char **body)
{
    static const char *none[] = {NULL};
    pv_api_request req = {
        .method = method, .path = path, .arg = fake_arg, .arg_ctx = (void *)(args ? args : none)};
    pv_api_reply reply;
    assert_int_equal(pv_api_handle(f->reg, &req, &reply), 0);
    assert_non_null(reply.body);
    assert_int_equal(strlen(reply.body), reply.len);
    *body = reply.body;
    return reply.status;
}

#endif
