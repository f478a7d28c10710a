/* Unit tests of server/gzip.c: Accept-Encoding, compression round trips,
 * and inflation against the cap, the first-bytes check and bad data, with
 * error kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gzip.h"

static void gzip_reads_accept_encoding(void **state)
{
    assert_true(pv_gzip_accepted("gzip"));
    assert_true(pv_gzip_accepted("deflate, gzip;q=0.5"));
    assert_true(pv_gzip_accepted("x-gzip"));
    assert_true(pv_gzip_accepted("*"));
    assert_false(pv_gzip_accepted("gzip;q=0"));
    assert_false(pv_gzip_accepted("deflate, br"));
    assert_false(pv_gzip_accepted("gzipped"));
    assert_false(pv_gzip_accepted(""));
    assert_false(pv_gzip_accepted(NULL));
}

static bool any_start(const unsigned char *data, size_t len, pv_error *err)
{
    (void)data;
    (void)len;
    (void)err;
    return true;
}

static bool brace_start(const unsigned char *data, size_t len, pv_error *err)
{
    if (len > 0 && data[0] == '{') return true;
    pv_fail(err, PV_ERR_INPUT, 0, "the gzip-compressed data is not a profile");
    return false;
}

static void gzip_round_trips_and_stops_at_the_cap(void **state)
{
    size_t n = 3 << 20;
    unsigned char *text = malloc(n);
    for (size_t i = 0; i < n; i++)
        text[i] = (unsigned char)("{profviz }"[i % 10]);
    size_t glen = 0;
    unsigned char *g = pv_gzip_compress(text, n, 6, &glen);
    assert_non_null(g);
    assert_true(pv_gzip_is_gzip(g, glen));
    assert_true(glen < n / 100);
    unsigned char *out;
    size_t out_len;
    pv_error err;
    assert_int_equal(pv_gzip_inflate(g, glen, n, brace_start, &out, &out_len, &err), 0);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, text, n);
    free(out);
    assert_int_equal(pv_gzip_inflate(g, glen, n - 1, any_start, &out, &out_len, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "inflates to more than"));
    text[0] = 'x';
    free(g);
    g = pv_gzip_compress(text, n, 6, &glen);
    assert_int_equal(pv_gzip_inflate(g, glen, n, brace_start, &out, &out_len, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "not a profile"));
    free(g);
    free(text);
    /* Incompressible data is not "compressed". */
    unsigned char noise[64];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (unsigned char)(i * 151 + 7);
    assert_null(pv_gzip_compress(noise, sizeof noise, 9, &glen));
}

static void gzip_refuses_truncated_and_corrupt_streams(void **state)
{
    unsigned char text[4096];
    memset(text, 'a', sizeof text);
    text[0] = '{';
    size_t glen;
    unsigned char *g = pv_gzip_compress(text, sizeof text, 9, &glen);
    unsigned char *out;
    size_t out_len;
    pv_error err;
    for (size_t cut = 0; cut < glen; cut++) {
        assert_int_equal(pv_gzip_inflate(g, cut, 1 << 20, NULL, &out, &out_len, &err), -1);
        assert_int_equal(err.kind, PV_ERR_INPUT);
    }
    g[3] = 0xff; /* reserved flag bits in the header */
    assert_int_equal(pv_gzip_inflate(g, glen, 1 << 20, NULL, &out, &out_len, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "corrupt"));
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_reads_accept_encoding),
        cmocka_unit_test(gzip_round_trips_and_stops_at_the_cap),
        cmocka_unit_test(gzip_refuses_truncated_and_corrupt_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
