/* Unit tests of server/multipart.c: parts and their data whatever the chunk
 * boundaries, the boundary parameter, bounds and malformed bodies (error
 * kinds and offsets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "multipart.h"

typedef struct seen {
    int parts;
    char names[4][64];
    char files[4][64];
    char data[4][256];
    size_t len[4];
} seen;

static int on_begin(void *ctx, const char *name, const char *filename)
{
    seen *s = ctx;
    if (s->parts == 4) return 1;
    snprintf(s->names[s->parts], 64, "%s", name ? name : "(none)");
    snprintf(s->files[s->parts], 64, "%s", filename ? filename : "(none)");
    s->parts++;
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    seen *s = ctx;
    int i = s->parts - 1;
    assert_true(s->len[i] + len < sizeof s->data[i]);
    memcpy(s->data[i] + s->len[i], data, len);
    s->len[i] += len;
    return 0;
}

static const char body[] =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a b.prof\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\x7b\r\n--XYZ not ours\r\n--Xy\r\n\x00\xff"
    "\r\n--XyZ\r\n"
    "Content-Disposition: form-data; name=other\r\n"
    "\r\n"
    "v"
    "\r\n--XyZ--\r\n"
    "epilogue";

static void parse_in_chunks(size_t chunk, seen *s)
{
    pv_error err;
    memset(s, 0, sizeof *s);
    pv_multipart_events ev = {.part_begin = on_begin, .part_data = on_data, .ctx = s};
    pv_multipart *m = pv_multipart_new("XyZ", &ev, &err);
    assert_non_null(m);
    size_t n = sizeof body - 1;
    for (size_t at = 0; at < n; at += chunk)
        assert_int_equal(pv_multipart_feed(m, body + at, at + chunk > n ? n - at : chunk, &err), 0);
    assert_int_equal(pv_multipart_finish(m, &err), 0);
    pv_multipart_free(m);
}

static void multipart_finds_parts_whatever_the_chunk_size(void **state)
{
    static const char first[] = "\x7b\r\n--XYZ not ours\r\n--Xy\r\n\x00\xff";
    for (size_t chunk = 1; chunk <= sizeof body; chunk++) {
        seen s;
        parse_in_chunks(chunk, &s);
        assert_int_equal(s.parts, 2);
        assert_string_equal(s.names[0], "file");
        assert_string_equal(s.files[0], "a b.prof");
        assert_int_equal(s.len[0], sizeof first - 1);
        assert_memory_equal(s.data[0], first, sizeof first - 1);
        assert_string_equal(s.names[1], "other");
        assert_string_equal(s.files[1], "(none)");
        assert_int_equal(s.len[1], 1);
    }
}

static void multipart_reads_the_boundary_parameter(void **state)
{
    char b[PV_MULTIPART_MAX_BOUNDARY + 1];
    pv_error err;
    assert_int_equal(pv_multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b, &err),
                     0);
    assert_string_equal(b, "abc");
    assert_int_equal(pv_multipart_boundary("Multipart/Form-Data; charset=x; boundary=\"a b\"", b,
                                           sizeof b, &err),
                     0);
    assert_string_equal(b, "a b");
    assert_int_equal(pv_multipart_boundary("multipart/form-data", b, sizeof b, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_int_equal(pv_multipart_boundary("text/plain; boundary=x", b, sizeof b, &err), -1);
    char longer[200] = "multipart/form-data; boundary=";
    memset(longer + strlen(longer), 'x', 71);
    assert_int_equal(pv_multipart_boundary(longer, b, sizeof b, &err), -1);
    assert_null(pv_multipart_new("", &(pv_multipart_events){0}, &err));
    assert_int_equal(err.kind, PV_ERR_INPUT);
}

static int feed_all(const char *text, pv_error *err)
{
    pv_multipart *m = pv_multipart_new("b", &(pv_multipart_events){0}, err);
    assert_non_null(m);
    int rc = pv_multipart_feed(m, text, strlen(text), err);
    if (rc == 0) rc = pv_multipart_finish(m, err);
    pv_multipart_free(m);
    return rc;
}

static void multipart_refuses_malformed_bodies_with_kind_and_offset(void **state)
{
    pv_error err;
    assert_int_equal(feed_all("--b\r\n\r\nno end", &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "closing boundary"));
    assert_int_equal(feed_all("--bXY\r\n\r\n--b--", &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "no line break after a boundary"));
    assert_true(err.offset >= 0);
    char *big = malloc(PV_MULTIPART_MAX_HEADERS + 64);
    strcpy(big, "--b\r\nX: ");
    memset(big + 8, 'a', PV_MULTIPART_MAX_HEADERS);
    big[8 + PV_MULTIPART_MAX_HEADERS] = '\0';
    assert_int_equal(feed_all(big, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "part headers over"));
    free(big);
    assert_int_equal(feed_all("nothing at all", &err), -1);
    assert_int_equal(feed_all("--b--", &err), 0); /* no parts */
}

static void multipart_stops_when_a_callback_says_so(void **state)
{
    seen s;
    memset(&s, 0, sizeof s);
    s.parts = 4; /* on_begin refuses */
    pv_error err;
    pv_multipart_events ev = {.part_begin = on_begin, .part_data = on_data, .ctx = &s};
    pv_multipart *m = pv_multipart_new("XyZ", &ev, &err);
    assert_int_equal(pv_multipart_feed(m, body, sizeof body - 1, &err), -1);
    assert_non_null(strstr(err.message, "stopped"));
    assert_int_equal(pv_multipart_feed(m, "x", 1, &err), -1);
    pv_multipart_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(multipart_finds_parts_whatever_the_chunk_size),
        cmocka_unit_test(multipart_reads_the_boundary_parameter),
        cmocka_unit_test(multipart_refuses_malformed_bodies_with_kind_and_offset),
        cmocka_unit_test(multipart_stops_when_a_callback_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
