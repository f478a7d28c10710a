/* Tests of server/dtoa.c: every double printed reads back to the same bits
 * through the C library's strtod, never with more digits than the shortest
 * %.*e that does, in JavaScript's layout. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dtoa.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static uint64_t to_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* Significant digits in text (leading and trailing zeros not counted). */
static int significant_digits(const char *text)
{
    int n = 0, last_nonzero = 0;
    bool started = false;
    for (const char *p = text; *p && *p != 'e'; p++) {
        if (*p < '0' || *p > '9') continue;
        if (*p != '0' || started) {
            started = true;
            n++;
            if (*p != '0') last_nonzero = n;
        }
    }
    return last_nonzero;
}

/* The fewest digits %.*e needs to read back as x (the old trial way). */
static int trial_digits(double x)
{
    char buf[40];
    for (int d = 1; d < 17; d++) {
        snprintf(buf, sizeof buf, "%.*e", d - 1, x);
        if (strtod(buf, NULL) == x) return d;
    }
    return 17;
}

/* Checks that x prints as text that is JSON's number grammar and reads back
 * to the very same bits; with shortest, also that it has no more digits than
 * the trial way. */
static void check(double x, bool shortest)
{
    char buf[PV_DTOA_MAX];
    memset(buf, 'x', sizeof buf);
    size_t n = pv_dtoa(x, buf);
    assert_int_equal(n, strlen(buf));
    assert_true(n < PV_DTOA_MAX);
    char *end = NULL;
    double back = strtod(buf, &end);
    if (to_bits(back) != to_bits(x) || *end)
        print_error("%.17g (bits %016llx) printed as \"%s\"\n", x, (unsigned long long)to_bits(x),
                    buf);
    assert_true(to_bits(back) == to_bits(x));
    assert_true(*end == '\0');
    /* JSON: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    const char *p = buf;
    if (*p == '-') p++;
    assert_true(*p >= '0' && *p <= '9');
    if (*p == '0') assert_true(p[1] == '\0' || p[1] == '.');
    if (shortest && significant_digits(buf) > trial_digits(x)) {
        print_error("%.17g printed as \"%s\", longer than %d digits\n", x, buf, trial_digits(x));
        fail();
    }
}

static void dtoa_prints_the_edge_cases_exactly(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *text;
    } cases[] = {
        {0.0, "0"},
        {-0.0, "-0.0"},
        {1.0, "1"},
        {-1.0, "-1"},
        {0.1, "0.1"},
        {0.3, "0.3"},
        {1.0 / 3, "0.3333333333333333"},
        {2.5, "2.5"},
        {100, "100"},
        {123456789, "123456789"},
        {0.0007456870000000001, "0.0007456870000000001"},
        {1e-6, "0.000001"},
        {1.5e-6, "0.0000015"},
        {1e-7, "1e-7"},
        {1.25e-7, "1.25e-7"},
        {1e20, "100000000000000000000"},
        {1e21, "1e+21"},
        {1.5e21, "1.5e+21"},
        {1e22, "1e+22"},
        {1e23, "1e+23"},
        {9007199254740992.0, "9007199254740992"},
        {5e-324, "5e-324"},                                   /* the smallest subnormal */
        {4.9406564584124654e-323, "5e-323"},                  /* shorter than Java's "4.9E-323" */
        {2.2250738585072014e-308, "2.2250738585072014e-308"}, /* DBL_MIN */
        {2.225073858507201e-308, "2.225073858507201e-308"},   /* largest subnormal */
        {DBL_MAX, "1.7976931348623157e+308"},
        {-DBL_MAX, "-1.7976931348623157e+308"},
        {NAN, "NaN"},
        {INFINITY, "Infinity"},
        {-INFINITY, "-Infinity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[PV_DTOA_MAX];
        pv_dtoa(cases[i].x, buf);
        if (strcmp(buf, cases[i].text) != 0)
            print_error("%.17g: got \"%s\", want \"%s\"\n", cases[i].x, buf, cases[i].text);
        assert_string_equal(buf, cases[i].text);
        if (isfinite(cases[i].x)) check(cases[i].x, true);
    }
}

static void dtoa_round_trips_powers_of_ten_and_two_and_their_neighbours(void **state)
{
    (void)state;
    for (int e = -325; e <= 308; e++) {
        char text[16];
        snprintf(text, sizeof text, "1e%d", e);
        double x = strtod(text, NULL);
        check(x, true);
        check(nextafter(x, 0), true);
        check(nextafter(x, INFINITY), true);
    }
    for (int e = -1074; e <= 1023; e++) {
        double x = ldexp(1.0, e);
        check(x, true);
        check(-x, true);
        check(nextafter(x, 0), true);
        check(nextafter(x, INFINITY), true);
    }
    /* Integers around powers of ten and of two (the digit count). */
    for (int k = 1; k < 19; k++) {
        double p = pow(10, k);
        for (double d = -2; d <= 2; d++)
            check(p + d, true);
    }
}

static void dtoa_round_trips_subnormals(void **state)
{
    (void)state;
    for (uint64_t t = 1; t < 20000; t++)
        check(from_bits(t), true);
    for (int i = 0; i < 20000; i++)
        check(from_bits(next_random() & ((1ull << 52) - 1)), i % 4 == 0);
}

/* Three million random bit patterns (every finite one must read back) and
 * times as pstats has them (microseconds, small sums). */
static void dtoa_round_trips_millions_of_random_doubles(void **state)
{
    (void)state;
    for (long i = 0; i < 3000000; i++) {
        double x = from_bits(next_random());
        if (isfinite(x)) check(x, i % 16 == 0);
    }
    for (long i = 0; i < 500000; i++) {
        double x = (double)(next_random() % 100000000) / 1e6;
        x += (double)(next_random() % 1000) * 1e-9;
        check(x, i % 8 == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dtoa_prints_the_edge_cases_exactly),
        cmocka_unit_test(dtoa_round_trips_powers_of_ten_and_two_and_their_neighbours),
        cmocka_unit_test(dtoa_round_trips_subnormals),
        cmocka_unit_test(dtoa_round_trips_millions_of_random_doubles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
