/* Unit tests of server/registry.c: loading, content ids, and the function
 * cache (eviction, parsing again, a changed file refused). The function
 * index has its own tests (server_index.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"

#include <unistd.h>

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 22);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 22, f);
    fclose(f);
    return buf;
}

static void registry_gives_the_same_bytes_the_same_id_and_keeps_them_once(void **state)
{
    size_t len;
    unsigned char *data = read_all(FIXTURE("tiny-cprofile-py313.prof"), &len);
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    char a[PV_REGISTRY_ID_LEN + 1], b[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(pv_registry_add_bytes(reg, "one.prof", data, len, a, &err), 0);
    assert_int_equal(pv_registry_add_bytes(reg, "two.prof", data, len, b, &err), 0);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), PV_REGISTRY_ID_LEN);
    assert_int_equal(pv_registry_count(reg), 1);
    const pv_registry_entry *e = pv_registry_acquire(reg, a);
    assert_string_equal(e->name, "one.prof");
    pv_registry_release(reg, e);
    assert_null(pv_registry_acquire(reg, "000000000000"));
    free(data);
    pv_registry_free(reg);
}

static void registry_refuses_a_file_that_is_no_profile_with_its_name_in_the_message(void **state)
{
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    const char *path = FIXTURE("README.md");
    assert_int_equal(pv_registry_load_file(reg, path, NULL, &err), -1);
    assert_non_null(strstr(err.message, "README.md"));
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_int_equal(pv_registry_count(reg), 0);
    assert_int_equal(pv_registry_load_file(reg, "/nonexistent/x.prof", NULL, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/x.prof"));
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_int_equal(err.offset, -1);
    pv_registry_free(reg);
}

static void registry_merges_files_into_one_profile_named_after_them(void **state)
{
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    const char *paths[] = {FIXTURE("cprofile-py313.prof"), FIXTURE("cprofile-b-py313.prof")};
    char id[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(pv_registry_load_merged(reg, paths, 2, id, &err), 0);
    const pv_registry_entry *e = pv_registry_acquire(reg, id);
    assert_string_equal(e->name, "cprofile-py313.prof + cprofile-b-py313.prof");
    pv_registry_release(reg, e);
    const pv_registry_entry **list;
    size_t n;
    assert_int_equal(pv_registry_snapshot(reg, &list, &n, &err), 0);
    assert_int_equal(n, 1);
    pv_registry_release(reg, list[0]);
    free(list);
    pv_registry_free(reg);
}

/* Adds the file at path to reg as team mode does (file-backed). */
static void add_backed(pv_registry *reg, const char *path, char *id)
{
    pv_error err;
    pv_source src;
    assert_int_equal(pv_source_open(path, true, NULL, &src, &err), 0);
    pv_registry_item *item;
    assert_int_equal(pv_registry_build(&src, "x.prof", &item, &err), 0);
    pv_source_close(&src);
    assert_int_equal(pv_registry_insert(reg, item, NULL, path, 0, id, &err), 1);
}

static void registry_evicts_file_backed_profiles_and_parses_them_again(void **state)
{
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    char a[PV_REGISTRY_ID_LEN + 1], b[PV_REGISTRY_ID_LEN + 1];
    add_backed(reg, FIXTURE("cprofile-py313.prof"), a);
    add_backed(reg, FIXTURE("cprofile-b-py313.prof"), b);
    assert_true(pv_registry_is_loaded(reg, a) && pv_registry_is_loaded(reg, b));
    pv_registry_set_cache_limit(reg, 1); /* everything not held goes */
    assert_false(pv_registry_is_loaded(reg, a));
    assert_false(pv_registry_is_loaded(reg, b));
    assert_int_equal(pv_registry_count(reg), 2); /* summaries stay */
    const pv_registry_entry *e = pv_registry_acquire(reg, a);
    assert_non_null(e);
    assert_non_null(e->profile);
    assert_true(e->profile->nfunctions > 0);
    pv_registry_release(reg, e);
    pv_registry_free(reg);
}

static void registry_refuses_to_reload_a_file_that_changed(void **state)
{
    pv_error err;
    char path[] = "/tmp/profviz-registry-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len;
    unsigned char *data = read_all(FIXTURE("cprofile-py313.prof"), &len);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    pv_registry *reg = pv_registry_new(&err);
    char id[PV_REGISTRY_ID_LEN + 1];
    add_backed(reg, path, id);
    pv_registry_set_cache_limit(reg, 1);
    assert_false(pv_registry_is_loaded(reg, id));
    assert_int_equal(pwrite(fd, "\x7b", 1, 10), 1); /* one byte differs: another id */
    close(fd);
    assert_null(pv_registry_acquire(reg, id));
    unlink(path);
    free(data);
    pv_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_gives_the_same_bytes_the_same_id_and_keeps_them_once),
        cmocka_unit_test(registry_refuses_a_file_that_is_no_profile_with_its_name_in_the_message),
        cmocka_unit_test(registry_merges_files_into_one_profile_named_after_them),
        cmocka_unit_test(registry_evicts_file_backed_profiles_and_parses_them_again),
        cmocka_unit_test(registry_refuses_to_reload_a_file_that_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
