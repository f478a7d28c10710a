/* Unit tests of server/upload.c and server/intake.c: the size limit (by
 * Content-Length and mid-stream), raw and multipart bodies, dedupe by
 * content, every pv_upload_result and refusal status, with error
 * kinds. Each test gets a fresh folder (mkdtemp) and registry. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "folder.h"
#include "intake.h"
#include "registry.h"
#include "source.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

typedef struct env {
    char dir[64];
    pv_registry *reg;
    pv_folder *folder;
    char *a, *b; /* two different valid profiles */
    size_t a_len, b_len;
} env;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* The folder holds total files, temporary of them temporary uploads. */
static void assert_files(const env *e, size_t total, size_t temporary)
{
    DIR *d = opendir(e->dir);
    assert_non_null(d);
    size_t n = 0, t = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        n++;
        if (strncmp(de->d_name, ".upload-", 8) == 0) t++;
    }
    closedir(d);
    assert_int_equal(n, total);
    assert_int_equal(t, temporary);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void write_file(const env *e, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", e->dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Whether the folder holds a file name with exactly these bytes. */
static void assert_file_holds(const env *e, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", e->dir, name);
    size_t got_len;
    char *got = read_all(path, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, data, len);
    free(got);
}

static void id_of(const char *data, size_t len, char *id)
{
    pv_source src;
    pv_error err;
    assert_int_equal(pv_source_from_bytes((const unsigned char *)data, len, NULL, &src, &err), 0);
    memcpy(id, src.id, PV_REGISTRY_ID_LEN + 1);
    pv_source_close(&src);
}

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    snprintf(e->dir, sizeof e->dir, "/tmp/pv-upload-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    pv_error err;
    e->reg = pv_registry_new(&err);
    assert_non_null(e->reg);
    assert_int_equal(pv_folder_open(e->dir, e->reg, &e->folder, &err), 0);
    e->a = read_all(FIXTURE("one-entry-py313.prof"), &e->a_len);
    e->b = read_all(FIXTURE("missing-caller-py313.prof"), &e->b_len);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    pv_folder_free(e->folder);
    pv_registry_free(e->reg);
    remove_dir(e->dir);
    free(e->a);
    free(e->b);
    free(e);
    return 0;
}

/* Uploads data in chunks of 5 bytes as name; returns the result. */
static pv_upload_result upload(env *e, const char *data, size_t len, const char *name, char *id,
                               pv_error *err)
{
    pv_upload *u;
    assert_int_equal(pv_upload_begin(e->folder, &u, err), 0);
    for (size_t at = 0; at < len; at += 5)
        assert_int_equal(pv_upload_write(u, data + at, len - at < 5 ? len - at : 5, err), 0);
    assert_int_equal(pv_upload_size(u), len);
    return pv_upload_finish(u, name, id, err);
}

/* ---- Uploads --------------------------------------------------------------- */

static void upload_stores_a_profile_under_its_safe_name(void **state)
{
    env *e = *state;
    pv_error err;
    char id[PV_REGISTRY_ID_LEN + 1], want[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(upload(e, e->a, e->a_len, "../evil/run one.prof", id, &err), PV_UPLOAD_STORED);
    id_of(e->a, e->a_len, want);
    assert_string_equal(id, want);
    assert_file_holds(e, "run one.prof", e->a, e->a_len);
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", e->dir, "run one.prof");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_files(e, 1, 0);
    assert_true(pv_registry_contains(e->reg, id));
    pv_registry_entry *list;
    size_t n;
    assert_int_equal(pv_registry_list(e->reg, false, &list, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "run one.prof");
    pv_registry_list_free(list, n);
}

static void upload_of_bytes_held_already_gives_their_id_and_stores_nothing(void **state)
{
    env *e = *state;
    pv_error err;
    char first[PV_REGISTRY_ID_LEN + 1], second[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(upload(e, e->b, e->b_len, "b.prof", first, &err), PV_UPLOAD_STORED);
    assert_int_equal(upload(e, e->b, e->b_len, "other.prof", second, &err), PV_UPLOAD_EXISTS);
    assert_string_equal(first, second);
    assert_files(e, 1, 0);
    assert_int_equal(pv_registry_count(e->reg), 1);
    /* Bytes a file of the folder holds (once scanned) count as well. */
    write_file(e, "there.prof", e->a, e->a_len);
    assert_int_equal(pv_folder_scan(e->folder, &err), 0);
    id_of(e->a, e->a_len, first);
    assert_int_equal(upload(e, e->a, e->a_len, "here.prof", second, &err), PV_UPLOAD_EXISTS);
    assert_string_equal(first, second);
    assert_files(e, 2, 0);
    assert_int_equal(pv_registry_count(e->reg), 2);
}

/* Files (not profiles) under the names an upload of id named x.prof tries
 * first: x.prof, x-ID.prof, then x-ID-2.prof and on, n in all. */
static void take_names(const env *e, const char *id, int n)
{
    for (int i = 0; i < n; i++) {
        char name[64];
        if (i == 0) snprintf(name, sizeof name, "x.prof");
        if (i == 1) snprintf(name, sizeof name, "x-%s.prof", id);
        if (i > 1) snprintf(name, sizeof name, "x-%s-%d.prof", id, i);
        write_file(e, name, "taken", 5);
    }
}

static void upload_takes_the_id_then_a_number_and_fails_when_no_name_is_free(void **state)
{
    env *e = *state;
    pv_error err;
    char id[PV_REGISTRY_ID_LEN + 1], name[64];
    id_of(e->a, e->a_len, id);
    take_names(e, id, 2);
    assert_int_equal(upload(e, e->a, e->a_len, "x.prof", NULL, &err), PV_UPLOAD_STORED);
    snprintf(name, sizeof name, "x-%s-2.prof", id);
    assert_file_holds(e, name, e->a, e->a_len);
    assert_file_holds(e, "x.prof", "taken", 5);
    /* Other bytes whose every name is taken: nothing stored. */
    id_of(e->b, e->b_len, id);
    take_names(e, id, 100);
    assert_int_equal(upload(e, e->b, e->b_len, "x.prof", id, &err), PV_UPLOAD_FAILED);
    assert_int_equal(err.kind, PV_ERR_IO);
    assert_files(e, 102, 0);
    assert_false(pv_registry_contains(e->reg, id));
}

static void upload_refuses_bytes_that_are_not_a_profile(void **state)
{
    env *e = *state;
    pv_error err;
    static const char junk[] = "this is not a marshal dump";
    assert_int_equal(upload(e, junk, sizeof junk - 1, "junk.prof", NULL, &err), PV_UPLOAD_INVALID);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_int_equal(upload(e, "", 0, "empty.prof", NULL, &err), PV_UPLOAD_INVALID);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    /* Over the folder's file limit: refused before parsing. */
    pv_source_limits limits = {.max_file = e->a_len - 1};
    pv_folder_set_limits(e->folder, &limits);
    assert_int_equal(upload(e, e->a, e->a_len, "a.prof", NULL, &err), PV_UPLOAD_INVALID);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_files(e, 0, 0);
    assert_int_equal(pv_registry_count(e->reg), 0);
}

static void upload_and_intake_fail_with_io_when_the_folder_is_gone(void **state)
{
    env *e = *state;
    pv_error err;
    char moved[80];
    snprintf(moved, sizeof moved, "%s-moved", e->dir);
    pv_upload *u;
    assert_int_equal(pv_upload_begin(e->folder, &u, &err), 0);
    assert_int_equal(pv_upload_write(u, e->a, e->a_len, &err), 0);
    assert_int_equal(rename(e->dir, moved), 0);
    assert_int_equal(pv_upload_finish(u, "a.prof", NULL, &err), PV_UPLOAD_FAILED);
    assert_int_equal(err.kind, PV_ERR_IO);
    assert_int_equal(pv_upload_begin(e->folder, &u, &err), -1);
    assert_int_equal(err.kind, PV_ERR_IO);
    pv_intake *in;
    pv_intake_answer answer;
    assert_int_equal(pv_intake_begin(e->folder, 100, NULL, NULL, false, &in, &answer),
                     PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 500);
    assert_null(in);
    remove_dir(moved);
    assert_int_equal(pv_registry_count(e->reg), 0);
}

/* Feeds len bytes, answered CONTINUE. */
static void feed(pv_intake *in, const char *data, size_t len)
{
    pv_intake_answer answer;
    assert_int_equal(pv_intake_feed(in, data, len, &answer), PV_INTAKE_CONTINUE);
}

/* ---- Intake ---------------------------------------------------------------- */

static void intake_refuses_a_content_length_over_the_limit_before_the_body(void **state)
{
    env *e = *state;
    pv_intake *in = (pv_intake *)1;
    pv_intake_answer answer;
    const char *over[] = {"101", "18446744073709551616", "99999999999999999999999999"};
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        for (int expect = 0; expect < 2; expect++) {
            assert_int_equal(pv_intake_begin(e->folder, 100, NULL, over[i], expect, &in, &answer),
                             PV_INTAKE_ANSWER);
            assert_int_equal(answer.status, 413);
            assert_null(in);
        }
    }
    assert_files(e, 0, 0);
    /* At the limit is fine. */
    assert_int_equal(pv_intake_begin(e->folder, 100, NULL, "100", false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    assert_non_null(in);
    pv_intake_free(in);
    assert_files(e, 0, 0);
}

static void intake_refuses_a_body_that_passes_the_limit_mid_stream(void **state)
{
    env *e = *state;
    pv_intake *in;
    pv_intake_answer answer;
    uint64_t max = e->a_len - 1;
    assert_int_equal(pv_intake_begin(e->folder, max, NULL, NULL, false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    feed(in, e->a, 10);
    feed(in, e->a + 10, max - 10);
    assert_files(e, 1, 1);
    assert_int_equal(pv_intake_feed(in, e->a + max, 1, &answer), PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 413);
    assert_files(e, 0, 0); /* gone at once */
    pv_intake_free(in);
    /* A Content-Length under the limit does not let more through. */
    assert_int_equal(pv_intake_begin(e->folder, max, NULL, "10", false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    assert_int_equal(pv_intake_feed(in, e->a, e->a_len, &answer), PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 413);
    pv_intake_free(in);
    assert_files(e, 0, 0);
    /* The same body with a limit of its size is stored. */
    char id[PV_REGISTRY_ID_LEN + 1];
    pv_error err;
    assert_int_equal(pv_intake_begin(e->folder, e->a_len, NULL, NULL, false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    feed(in, e->a, e->a_len);
    assert_int_equal(pv_intake_end(in, &answer), PV_INTAKE_CONTINUE);
    assert_null(pv_intake_part_name(in));
    assert_int_equal(pv_intake_store(in, "raw.prof", id, &err), PV_UPLOAD_STORED);
    assert_file_holds(e, "raw.prof", e->a, e->a_len);
    /* Stored once: a second store has nothing left. */
    assert_int_equal(pv_intake_store(in, "raw.prof", id, &err), PV_UPLOAD_FAILED);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    pv_intake_free(in);
    assert_files(e, 1, 0);
}

/* A folder this process cannot write to (as root: run as nobody in a child). */
static void intake_answers_405_without_a_folder_and_403_when_read_only(void **state)
{
    env *e = *state;
    pv_intake *in;
    pv_intake_answer answer;
    assert_int_equal(pv_intake_begin(NULL, 100, NULL, NULL, false, &in, &answer), PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 405);
    assert_null(in);
    assert_int_equal(chmod(e->dir, 0555), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0)) _exit(2);
        pv_folder *ro;
        pv_error err;
        if (pv_folder_open(e->dir, e->reg, &ro, &err) < 0 || pv_folder_writable(ro)) _exit(3);
        pv_intake_step step = pv_intake_begin(ro, 100, NULL, NULL, false, &in, &answer);
        pv_folder_free(ro);
        _exit(step == PV_INTAKE_ANSWER && answer.status == 403 && !in ? 0 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    chmod(e->dir, 0700);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_files(e, 0, 0);
}

static void intake_answers_500_when_the_body_cannot_be_written(void **state)
{
    env *e = *state;
    pv_intake *in;
    pv_intake_answer answer;
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 16;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(pv_intake_begin(e->folder, 1000, NULL, NULL, false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    pv_intake_step step = pv_intake_feed(in, e->a, e->a_len, &answer);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0); /* before anything can fail */
    assert_int_equal(step, PV_INTAKE_CONTINUE);
    assert_int_equal(pv_intake_end(in, &answer), PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 500);
    assert_files(e, 0, 0);
    pv_intake_free(in);
}

/* A multipart body: a field, the file, then a second "file" that is ignored. */
static char *multipart_body(const env *e, size_t *len)
{
    char *body = malloc(e->a_len + 1024);
    assert_non_null(body);
    int n = snprintf(body, 1024,
                     "--B0und\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
                     "--B0und\r\nContent-Disposition: form-data; name=\"file\"; "
                     "filename=\"../up.prof\"\r\n\r\n");
    memcpy(body + n, e->a, e->a_len);
    *len = (size_t)n + e->a_len;
    *len += (size_t)sprintf(body + *len,
                            "\r\n--B0und\r\nContent-Disposition: form-data; name=\"file\"; "
                            "filename=\"second.prof\"\r\n\r\nnot a profile\r\n--B0und--\r\n");
    return body;
}

static pv_intake *begin_multipart(const env *e, uint64_t max)
{
    pv_intake *in;
    pv_intake_answer answer;
    assert_int_equal(pv_intake_begin(e->folder, max, "multipart/form-data; boundary=B0und", NULL,
                                     false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    return in;
}

static void intake_stores_the_first_file_field_of_a_multipart_body(void **state)
{
    env *e = *state;
    pv_intake *in;
    pv_intake_answer answer;
    pv_error err;
    size_t len;
    char *body = multipart_body(e, &len);
    in = begin_multipart(e, len);
    for (size_t at = 0; at < len; at += 7)
        feed(in, body + at, len - at < 7 ? len - at : 7);
    assert_int_equal(pv_intake_end(in, &answer), PV_INTAKE_CONTINUE);
    assert_string_equal(pv_intake_part_name(in), "../up.prof");
    char id[PV_REGISTRY_ID_LEN + 1], want[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(pv_intake_store(in, pv_intake_part_name(in), id, &err), PV_UPLOAD_STORED);
    id_of(e->a, e->a_len, want);
    assert_string_equal(id, want);
    assert_file_holds(e, "up.prof", e->a, e->a_len);
    pv_intake_free(in);
    free(body);
}

static void intake_refuses_multipart_bodies_it_cannot_use_with_400(void **state)
{
    env *e = *state;
    pv_intake *in;
    pv_intake_answer answer;
    size_t len;
    /* No boundary: refused before the body. */
    assert_int_equal(
        pv_intake_begin(e->folder, 1000, "multipart/form-data", NULL, false, &in, &answer),
        PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 400);
    assert_null(in);
    /* No field named "file" (the others are read and dropped). */
    static const char no_file[] =
        "--B0und\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.prof\"\r\n"
        "\r\ndata\r\n--B0und--\r\n";
    in = begin_multipart(e, 1000);
    feed(in, no_file, sizeof no_file - 1);
    assert_int_equal(pv_intake_end(in, &answer), PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 400);
    assert_files(e, 0, 0);
    pv_intake_free(in);
    /* No closing boundary. */
    char *body = multipart_body(e, &len);
    in = begin_multipart(e, 1000);
    feed(in, body, len - 12);
    assert_int_equal(pv_intake_end(in, &answer), PV_INTAKE_ANSWER);
    assert_int_equal(answer.status, 400);
    assert_files(e, 0, 0);
    pv_intake_free(in);
    free(body);
}

static void upload_abort_and_intake_free_delete_an_unfinished_upload(void **state)
{
    env *e = *state;
    pv_intake *in;
    pv_intake_answer answer;
    pv_error err;
    pv_upload *u;
    assert_int_equal(pv_upload_begin(e->folder, &u, &err), 0);
    assert_int_equal(pv_upload_write(u, e->a, e->a_len, &err), 0);
    assert_files(e, 1, 1);
    pv_upload_abort(u);
    assert_files(e, 0, 0);
    pv_upload_abort(NULL);
    assert_int_equal(
        pv_intake_begin(e->folder, 1000, "application/octet-stream", NULL, false, &in, &answer),
        PV_INTAKE_CONTINUE);
    feed(in, e->a, e->a_len);
    assert_files(e, 1, 1);
    pv_intake_free(in);
    assert_files(e, 0, 0);
    pv_intake_free(NULL);
    /* A raw body that is no profile is refused by the store, kind input. */
    assert_int_equal(pv_intake_begin(e->folder, 1000, NULL, NULL, false, &in, &answer),
                     PV_INTAKE_CONTINUE);
    feed(in, "junk", 4);
    assert_int_equal(pv_intake_end(in, &answer), PV_INTAKE_CONTINUE);
    assert_int_equal(pv_intake_store(in, "junk.prof", NULL, &err), PV_UPLOAD_INVALID);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    pv_intake_free(in);
    assert_files(e, 0, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(upload_stores_a_profile_under_its_safe_name),
        T(upload_of_bytes_held_already_gives_their_id_and_stores_nothing),
        T(upload_takes_the_id_then_a_number_and_fails_when_no_name_is_free),
        T(upload_refuses_bytes_that_are_not_a_profile),
        T(upload_and_intake_fail_with_io_when_the_folder_is_gone),
        T(intake_refuses_a_content_length_over_the_limit_before_the_body),
        T(intake_refuses_a_body_that_passes_the_limit_mid_stream),
        T(intake_answers_405_without_a_folder_and_403_when_read_only),
        T(intake_answers_500_when_the_body_cannot_be_written),
        T(intake_stores_the_first_file_field_of_a_multipart_body),
        T(intake_refuses_multipart_bodies_it_cannot_use_with_400),
        T(upload_abort_and_intake_free_delete_an_unfinished_upload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
