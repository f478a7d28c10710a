/* Unit tests of server/folder.c's bound on rescans: a new file is read when
 * it appears and at its first change, a file changing again is read at most
 * once per PV_FOLDER_RESCAN_MS, and a refresh that finds a scan running
 * returns instead of waiting, leaving the change to the next scan. Each test
 * gets a fresh folder (mkdtemp) and registry. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h> /* unlink, rmdir */

#include <cmocka.h>

#include "folder_internal.h"
#include "registry.h"
#include "source.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

typedef struct env {
    char dir[64];
    pv_registry *reg;
    pv_folder *folder;
    struct {
        char *data;
        size_t len;
        char id[PV_REGISTRY_ID_LEN + 1];
    } prof[3]; /* three different valid profiles */
} env;

static void read_fixture(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *data = malloc(1 << 20);
    assert_non_null(*data);
    *len = fread(*data, 1, 1 << 20, f);
    fclose(f);
}

static void write_file(const env *e, const char *name, int which)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", e->dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(e->prof[which].data, 1, e->prof[which].len, f), e->prof[which].len);
    fclose(f);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000 + (double)t.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void refresh(env *e)
{
    pv_error err;
    assert_int_equal(pv_folder_refresh(e->folder, &err), 0);
}

static bool holds(env *e, int which)
{
    return pv_registry_contains(e->reg, e->prof[which].id);
}

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    snprintf(e->dir, sizeof e->dir, "/tmp/pv-folder-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    pv_error err;
    e->reg = pv_registry_new(&err);
    assert_non_null(e->reg);
    assert_int_equal(pv_folder_open(e->dir, e->reg, &e->folder, &err), 0);
    const char *names[3] = {FIXTURE("one-entry-py313.prof"), FIXTURE("missing-caller-py313.prof"),
                            FIXTURE("cprofile-py313.prof")};
    for (int i = 0; i < 3; i++) {
        read_fixture(names[i], &e->prof[i].data, &e->prof[i].len);
        pv_source src;
        assert_int_equal(pv_source_from_bytes((const unsigned char *)e->prof[i].data,
                                              e->prof[i].len, NULL, &src, &err),
                         0);
        memcpy(e->prof[i].id, src.id, sizeof e->prof[i].id);
        pv_source_close(&src);
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    pv_folder_free(e->folder);
    pv_registry_free(e->reg);
    DIR *d = opendir(e->dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", e->dir, de->d_name);
        if (de->d_name[0] != '.') unlink(path);
    }
    if (d) closedir(d);
    rmdir(e->dir);
    for (int i = 0; i < 3; i++)
        free(e->prof[i].data);
    free(e);
    return 0;
}

static void a_file_that_keeps_changing_is_read_at_most_once_a_second(void **state)
{
    env *e = *state;
    if (e->folder->notify_fd < 0) skip(); /* without inotify every scan is timed */
    write_file(e, "x.prof", 0);
    refresh(e);
    assert_true(holds(e, 0));

    /* its first change is read at once */
    write_file(e, "x.prof", 1);
    refresh(e);
    double read_at = now_ms();
    assert_true(holds(e, 1));
    assert_false(holds(e, 0));

    /* the next, within PV_FOLDER_RESCAN_MS, waits: the entry stays */
    write_file(e, "x.prof", 2);
    refresh(e);
    if (now_ms() - read_at > PV_FOLDER_RESCAN_MS * 0.8) skip(); /* too slow a machine to tell */
    assert_true(holds(e, 1));
    assert_false(holds(e, 2));
    refresh(e);
    assert_true(holds(e, 1));

    /* and is read once the time is up, with no new event */
    while (now_ms() - read_at < PV_FOLDER_RESCAN_MS + 50)
        sleep_ms(20);
    refresh(e);
    assert_true(holds(e, 2));
    assert_false(holds(e, 1));
}

static void a_deleted_file_goes_at_once_even_while_a_change_waits(void **state)
{
    env *e = *state;
    write_file(e, "x.prof", 0);
    refresh(e);
    write_file(e, "x.prof", 1);
    refresh(e);
    write_file(e, "x.prof", 2);
    refresh(e);
    char path[512];
    snprintf(path, sizeof path, "%s/x.prof", e->dir);
    assert_int_equal(unlink(path), 0);
    if (e->folder->notify_fd < 0) sleep_ms(PV_FOLDER_RESCAN_MS + 50);
    refresh(e);
    for (int i = 0; i < 3; i++)
        assert_false(holds(e, i));
}

typedef struct refresher {
    env *e;
    atomic_bool done;
    int rc;
} refresher;

static void *run_refresh(void *arg)
{
    refresher *r = arg;
    pv_error err;
    r->rc = pv_folder_refresh(r->e->folder, &err);
    atomic_store(&r->done, true);
    return NULL;
}

static void a_refresh_does_not_wait_behind_a_running_scan(void **state)
{
    env *e = *state;
    write_file(e, "x.prof", 0);
    refresh(e); /* the first scan, which callers do wait for */
    assert_true(holds(e, 0));

    /* a scan is running (scan_lock held) when a file appears */
    pthread_mutex_lock(&e->folder->scan_lock);
    write_file(e, "y.prof", 1);
    if (e->folder->notify_fd < 0) sleep_ms(PV_FOLDER_RESCAN_MS + 50);
    refresher r = {.e = e};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_refresh, &r), 0);
    double start = now_ms();
    while (!atomic_load(&r.done) && now_ms() - start < 3000)
        sleep_ms(5);
    bool returned = atomic_load(&r.done);
    pthread_mutex_unlock(&e->folder->scan_lock);
    pthread_join(t, NULL);
    assert_true(returned);
    assert_int_equal(r.rc, 0);
    assert_false(holds(e, 1)); /* left to the running scan */
    pthread_mutex_lock(&e->folder->lock);
    bool pending = e->folder->pending;
    pthread_mutex_unlock(&e->folder->lock);
    assert_true(pending);

    /* the next refresh scans */
    refresh(e);
    assert_true(holds(e, 1));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(a_file_that_keeps_changing_is_read_at_most_once_a_second),
        T(a_deleted_file_goes_at_once_even_while_a_change_waits),
        T(a_refresh_does_not_wait_behind_a_running_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
