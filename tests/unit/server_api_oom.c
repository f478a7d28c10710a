/* Unit tests of an upload's reply (pv_upload_finish, then pv_api_upload_reply,
 * as the server's upload job makes it) when memory runs out: each sweep makes
 * allocation 1, 2, ... of that step fail, until a run counts fewer
 * allocations than the one it was to fail, and checks every reply. A reply
 * is 201 (or 200 for content held already) with the same summary as when
 * nothing fails, or a 500 {"error": ...}; never a 2xx with an error body.
 *
 * Allocations fail through the LD_PRELOAD shim tests/integration/failalloc.c
 * (tests/CMakeLists.txt sets LD_PRELOAD for this test). Without it, as in a
 * sanitizer build, where the sanitizer's allocator must come first, the test
 * exits 77, which ctest counts as skipped. */
#include <dirent.h>
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "folder.h"
#include "registry.h"

#define FIXTURE_PATH PROFVIZ_SOURCE_DIR "/tests/golden/cprofile-py313.prof"

static void (*failalloc_arm)(unsigned long n, int after);
static unsigned long (*failalloc_calls)(void);

typedef struct fixture {
    unsigned char *bytes; /* the fixture's content, uploaded each time */
    size_t len;
} fixture;

/* One team folder in a new temporary directory, with its registry. */
typedef struct team {
    char dir[32];
    pv_registry *reg;
    pv_folder *folder;
} team;

static void team_open(team *t)
{
    pv_error err;
    strcpy(t->dir, "/tmp/pv-oom-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    t->reg = pv_registry_new(&err);
    assert_non_null(t->reg);
    assert_int_equal(pv_folder_open(t->dir, t->reg, &t->folder, &err), 0);
}

static void team_close(team *t)
{
    pv_folder_free(t->folder);
    pv_registry_free(t->reg);
    DIR *d = opendir(t->dir);
    assert_non_null(d);
    struct dirent *e;
    char path[320];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", t->dir, e->d_name);
        assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(t->dir), 0);
}

/* Uploads the fixture with allocation n of pv_upload_finish and the reply
 * failing (and every one after it when after is set; n = 0: none), and
 * returns pv_api_upload_reply's result with *reply and *id filled. *calls is
 * how many allocations the two made. */
static int upload(const fixture *f, team *t, unsigned long n, int after, pv_api_reply *reply,
                  char *id, unsigned long *calls)
{
    pv_error err;
    pv_upload *u;
    assert_int_equal(pv_upload_begin(t->folder, &u, &err), 0);
    assert_int_equal(pv_upload_write(u, f->bytes, f->len, &err), 0);
    id[0] = '\0';
    *reply = (pv_api_reply){0};
    failalloc_arm(n, after);
    pv_upload_result result = pv_upload_finish(u, "upload.prof", id, &err);
    int rc = pv_api_upload_reply(t->reg, result, id, &err, reply);
    *calls = failalloc_calls();
    failalloc_arm(0, 0);
    return rc;
}

/* Checks one reply against what the registry says of id when nothing fails
 * (ok_status: 201 when the upload was new, 200 when held already). Returns
 * true when it was that success. */
static bool check_reply(team *t, int rc, const pv_api_reply *reply, const char *id,
                        unsigned ok_status, unsigned long n)
{
    if (rc != 0) {
        /* Not even an error body: the server answers its static 500. */
        assert_null(reply->body);
        return false;
    }
    assert_non_null(reply->body);
    assert_int_equal(strlen(reply->body), reply->len);
    if (reply->status >= 200 && reply->status < 300) {
        if (reply->status != ok_status || strstr(reply->body, "\"error\"")) {
            print_error("allocation %lu failing: %u %s\n", n, reply->status, reply->body);
            fail();
        }
        pv_api_reply want;
        assert_int_equal(pv_api_summary_reply(t->reg, id, ok_status, &want), 0);
        assert_int_equal(want.status, ok_status);
        assert_string_equal(reply->body, want.body);
        free(want.body);
        return true;
    }
    if (reply->status != 500 || strncmp(reply->body, "{\"error\":", 9) != 0) {
        print_error("allocation %lu failing: %u %s\n", n, reply->status, reply->body);
        fail();
    }
    return false;
}

/* Sweeps allocation n = 1, 2, ... of an upload (after: n and all later ones)
 * into a fresh folder, or into one that holds the content already (held). */
static void sweep(const fixture *f, int after, bool held)
{
    unsigned long n = 1, calls = 0, failures = 0;
    for (;; n++) {
        team t;
        team_open(&t);
        char id[PV_REGISTRY_ID_LEN + 1];
        pv_api_reply reply;
        if (held) {
            assert_int_equal(upload(f, &t, 0, 0, &reply, id, &calls), 0);
            assert_int_equal(reply.status, 201);
            free(reply.body);
        }
        int rc = upload(f, &t, n, after, &reply, id, &calls);
        bool ok = check_reply(&t, rc, &reply, id, held ? 200 : 201, n);
        free(reply.body);
        team_close(&t);
        if (calls < n) {
            assert_true(ok); /* nothing failed: the upload must have worked */
            break;
        }
        if (!ok) failures++;
    }
    print_message("%s upload, allocation n%s failing: %lu runs, %lu allocations, %lu errors\n",
                  held ? "a repeated" : "a new", after ? " on" : "", n, calls, failures);
    assert_true(n > 1);
}

static void upload_is_201_with_its_summary_or_500_when_an_allocation_fails(void **state)
{
    sweep(*state, 0, false);
}

static void upload_is_201_or_500_when_every_allocation_from_n_on_fails(void **state)
{
    sweep(*state, 1, false);
}

static void repeated_upload_is_200_or_500_when_allocations_fail(void **state)
{
    sweep(*state, 0, true);
    sweep(*state, 1, true);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    FILE *in = fopen(FIXTURE_PATH, "rb");
    if (!f || !in) return -1;
    f->bytes = malloc(1 << 20);
    f->len = f->bytes ? fread(f->bytes, 1, 1 << 20, in) : 0;
    fclose(in);
    if (!f->len) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->bytes);
    free(f);
    return 0;
}

int main(void)
{
    void *self = dlopen(NULL, RTLD_NOW);
    if (self) {
        failalloc_arm = (void (*)(unsigned long, int))dlsym(self, "pv_failalloc_arm");
        failalloc_calls = (unsigned long (*)(void))dlsym(self, "pv_failalloc_calls");
    }
    if (!failalloc_arm || !failalloc_calls) {
        fprintf(stderr, "skipped: the failalloc shim is not preloaded (LD_PRELOAD)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upload_is_201_with_its_summary_or_500_when_an_allocation_fails),
        cmocka_unit_test(upload_is_201_or_500_when_every_allocation_from_n_on_fails),
        cmocka_unit_test(repeated_upload_is_200_or_500_when_allocations_fail),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
