/* dtoa.c: Schubfach, shortest round-trip digits of a double (see dtoa.h).
 *
 * Notation of the paper: a finite positive double is v = c 2^q with an
 * integer c. Its rounding interval R (the reals that strtod rounds to v) has
 * bounds halfway to the neighbours, cbl/4 2^q and cbr/4 2^q, included when c
 * is even. With k = floor(log10(width of R)) and the scaled values
 * vb = 4 v 10^-k (and vbl, vbr likewise for the bounds), computed as round-
 * to-odd products with g ~ 10^-k 2^-r (126 bits), a decimal s 10^k with
 * 4s in [vbl, vbr] is in R. First try one digit fewer (s a multiple of 10),
 * then s = floor(vb/4) or s + 1; the closest wins, ties to even.
 */
#include "dtoa.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;

#define K_MIN (-324) /* flog10pow2(Q_MIN) */
#define K_MAX 292    /* flog10pow2(Q_MAX) */
#define Q_MIN (-1074)
#define C_MIN ((uint64_t)1 << 52)
#define MASK_63 (((uint64_t)1 << 63) - 1)

/* g(k) for k in [K_MIN, K_MAX], split in its high and low 63 bits. */
static uint64_t pow10_g[K_MAX - K_MIN + 1][2];
static pthread_once_t pow10_once = PTHREAD_ONCE_INIT;

/* ---- The table: exact powers of ten with 32-bit limbs --------------------- */

#define LIMBS 40 /* 2^1095 (for k = 292) and 10^324 need 35 */

typedef struct big {
    uint32_t d[LIMBS]; /* little-endian */
    int n;             /* limbs in use; d[n-1] != 0 */
} big;

static void big_mul_small(big *b, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->d[i] * m + carry;
        b->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) b->d[b->n++] = (uint32_t)carry;
}

static void big_div_small(big *b, uint32_t m)
{
    uint64_t rem = 0;
    for (int i = b->n - 1; i >= 0; i--) {
        uint64_t t = rem << 32 | b->d[i];
        b->d[i] = (uint32_t)(t / m);
        rem = t % m;
    }
    while (b->n > 0 && b->d[b->n - 1] == 0)
        b->n--;
}

static int big_bitlen(const big *b)
{
    return b->n ? (b->n - 1) * 32 + (32 - __builtin_clz(b->d[b->n - 1])) : 0;
}

static int big_bit(const big *b, int i)
{
    return i >= 0 && i / 32 < b->n ? (int)(b->d[i / 32] >> (i % 32) & 1) : 0;
}

/* floor(b / 2^r) for r >= 0, b 2^-r for r < 0; the result must fit 128 bits. */
static u128 big_shifted(const big *b, int r)
{
    u128 x = 0;
    for (int i = 127; i >= 0; i--)
        x = x << 1 | (u128)big_bit(b, i + r);
    return x;
}

static void set_g(int k, u128 floor_beta)
{
    u128 g = floor_beta + 1;
    pow10_g[k - K_MIN][0] = (uint64_t)(g >> 63);
    pow10_g[k - K_MIN][1] = (uint64_t)g & MASK_63;
}

/* For each k: 10^-k = beta 2^r with 2^125 <= beta < 2^126, and g = floor(beta)
 * + 1. For k <= 0, beta is 10^-k shifted; for k > 0, it is 2^s / 10^k with s
 * chosen so that the quotient has 126 bits. */
static void fill_table(void)
{
    static int bitlen10[-K_MIN + 1]; /* bit length of 10^m */
    big p = {{1}, 1};
    for (int m = 0; m <= -K_MIN; m++) {
        bitlen10[m] = big_bitlen(&p);
        set_g(-m, big_shifted(&p, bitlen10[m] - 126));
        big_mul_small(&p, 10);
    }
    for (int k = 1; k <= K_MAX; k++) {
        int s = bitlen10[k] + 125;
        big x = {{0}, s / 32 + 1};
        x.d[s / 32] = (uint32_t)1 << (s % 32);
        int left = k;
        for (; left >= 9; left -= 9)
            big_div_small(&x, 1000000000u);
        uint32_t rest = 1;
        while (left-- > 0)
            rest *= 10;
        big_div_small(&x, rest);
        set_g(k, big_shifted(&x, 0));
    }
}

/* ---- The algorithm ------------------------------------------------------------ */

/* floor(e log10(2)), floor(e log10(3/4 2)), floor(e log2(10)): exact on the
 * ranges used here (shown in the paper; rechecked by the unit tests). */
static inline int flog10pow2(int e)
{
    return (int)(((int64_t)e * 661971961083LL) >> 41);
}

static inline int flog10_three_quarters_pow2(int e)
{
    return (int)(((int64_t)e * 661971961083LL - 274743187321LL) >> 41);
}

static inline int flog2pow10(int e)
{
    return (int)(((int64_t)e * 913124641741LL) >> 38);
}

/* g cp / 2^127 rounded to odd (g = g1 2^63 + g0). */
static inline uint64_t rop(uint64_t g1, uint64_t g0, uint64_t cp)
{
    uint64_t x1 = (uint64_t)(((u128)g0 * cp) >> 64);
    u128 y = (u128)g1 * cp;
    uint64_t y0 = (uint64_t)y, y1 = (uint64_t)(y >> 64);
    uint64_t z = (y0 >> 1) + x1;
    uint64_t vbp = y1 + (z >> 63);
    return vbp | (((z & MASK_63) + MASK_63) >> 63);
}

/* The decimal f 10^e closest to c 2^q among the shortest in its rounding
 * interval. */
static void to_decimal(int q, uint64_t c, uint64_t *f, int *e)
{
    uint64_t out = c & 1;
    uint64_t cb = c << 2, cbr = cb + 2, cbl;
    int k;
    if (c != C_MIN || q == Q_MIN) {
        cbl = cb - 2;
        k = flog10pow2(q);
    } else {
        cbl = cb - 1; /* at a power of two the lower neighbour is closer */
        k = flog10_three_quarters_pow2(q);
    }
    int h = q + flog2pow10(-k) + 2;
    uint64_t g1 = pow10_g[k - K_MIN][0], g0 = pow10_g[k - K_MIN][1];
    uint64_t vb = rop(g1, g0, cb << h);
    uint64_t vbl = rop(g1, g0, cbl << h);
    uint64_t vbr = rop(g1, g0, cbr << h);

    /* The interval is 1 to 10 units of 10^k wide, so it holds at most one
     * multiple of 10: when it does, that is the one shorter decimal. (Java
     * tries this from s >= 100 only, since it always prints two digits; the
     * shortest text needs it from s >= 10: 4.94e-323 is "5e-323".) */
    uint64_t s = vb >> 2;
    if (s >= 10) {
        uint64_t sp10 = s / 10 * 10, tp10 = sp10 + 10;
        bool upin = vbl + out <= sp10 << 2;
        bool wpin = (tp10 << 2) + out <= vbr;
        if (upin != wpin) {
            *f = upin ? sp10 : tp10;
            *e = k;
            return;
        }
    }
    uint64_t t = s + 1;
    bool uin = vbl + out <= s << 2;
    bool win = (t << 2) + out <= vbr;
    *e = k;
    if (uin != win) {
        *f = uin ? s : t;
        return;
    }
    int64_t cmp = (int64_t)(vb - ((s + t) << 1));
    *f = cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t;
}

/* ---- Text ------------------------------------------------------------------- */

static const char two_digits[201] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";

/* The number of decimal digits of x > 0. */
static int digit_count(uint64_t x)
{
    static const uint64_t pow10[] = {1ull,
                                     10ull,
                                     100ull,
                                     1000ull,
                                     10000ull,
                                     100000ull,
                                     1000000ull,
                                     10000000ull,
                                     100000000ull,
                                     1000000000ull,
                                     10000000000ull,
                                     100000000000ull,
                                     1000000000000ull,
                                     10000000000000ull,
                                     100000000000000ull,
                                     1000000000000000ull,
                                     10000000000000000ull,
                                     100000000000000000ull,
                                     1000000000000000000ull,
                                     10000000000000000000ull};
    /* log10(2) ~ 1233/4096: a guess from the bit length, off by at most one. */
    int guess = (64 - __builtin_clzll(x)) * 1233 >> 12;
    return guess + (guess < 20 && x >= pow10[guess]);
}

/* Writes the n digits of x < 10^n (n <= 10) at out, in 32-bit arithmetic. */
static void put_small(char *out, uint32_t x, int n)
{
    while (n >= 2) {
        memcpy(out + n - 2, two_digits + 2 * (x % 100), 2);
        x /= 100;
        n -= 2;
    }
    if (n) out[0] = (char)('0' + x);
}

/* Writes the n digits of x at out. A 17-digit significand is split into
 * two halves whose digits are worked out side by side, not in one chain of
 * 64-bit divisions. */
static void put_digits(char *out, uint64_t x, int n)
{
    if (n <= 9) {
        put_small(out, (uint32_t)x, n);
        return;
    }
    uint64_t hi = x / 100000000;
    uint32_t lo = (uint32_t)(x - hi * 100000000);
    uint32_t a = lo / 10000, b = lo % 10000;
    memcpy(out + n - 8, two_digits + 2 * (a / 100), 2);
    memcpy(out + n - 6, two_digits + 2 * (a % 100), 2);
    memcpy(out + n - 4, two_digits + 2 * (b / 100), 2);
    memcpy(out + n - 2, two_digits + 2 * (b % 100), 2);
    put_small(out, (uint32_t)hi, n - 8);
}

/* Writes f 10^e (f > 0) in JavaScript's Number.prototype.toString layout. */
static size_t layout(char *buf, size_t at, uint64_t f, int e)
{
    /* Drop trailing zeros, two at a time first. */
    while (f % 100 == 0) {
        f /= 100;
        e += 2;
    }
    if (f % 10 == 0) {
        f /= 10;
        e++;
    }
    char digits[20];
    int n = digit_count(f);
    put_digits(digits, f, n);
    int pt = n + e; /* digits before the decimal point */
    char *p = buf + at;
    if (n <= pt && pt <= 21) {
        memcpy(p, digits, (size_t)n);
        p += n;
        for (int i = n; i < pt; i++)
            *p++ = '0';
    } else if (0 < pt && pt <= 21) {
        memcpy(p, digits, (size_t)pt);
        p += pt;
        *p++ = '.';
        memcpy(p, digits + pt, (size_t)(n - pt));
        p += n - pt;
    } else if (-6 < pt && pt <= 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = pt; i < 0; i++)
            *p++ = '0';
        memcpy(p, digits, (size_t)n);
        p += n;
    } else {
        *p++ = digits[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, digits + 1, (size_t)(n - 1));
            p += n - 1;
        }
        int x = pt - 1;
        *p++ = 'e';
        *p++ = x < 0 ? '-' : '+';
        if (x < 0) x = -x;
        if (x >= 100) *p++ = (char)('0' + x / 100);
        if (x >= 10) *p++ = (char)('0' + x / 10 % 10);
        *p++ = (char)('0' + x % 10);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

size_t pv_dtoa(double x, char buf[PV_DTOA_MAX])
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bool negative = bits >> 63;
    uint64_t t = bits & (C_MIN - 1);
    int bq = (int)(bits >> 52 & 0x7ff);
    if (bq == 0x7ff) {
        const char *s = t ? "NaN" : negative ? "-Infinity" : "Infinity";
        size_t n = strlen(s);
        memcpy(buf, s, n + 1);
        return n;
    }
    size_t at = 0;
    if (negative) buf[at++] = '-';
    if (bq == 0 && t == 0) {
        const char *s = negative ? "0.0" : "0";
        size_t n = strlen(s);
        memcpy(buf + at, s, n + 1);
        return at + n;
    }
    pthread_once(&pow10_once, fill_table);
    uint64_t f;
    int e;
    if (bq != 0) {
        int mq = -Q_MIN + 1 - bq; /* -q */
        uint64_t c = C_MIN | t;
        if (0 < mq && mq < 53 && (c >> mq) << mq == c) {
            f = c >> mq; /* an integer below 2^53: its own digits are shortest */
            e = 0;
        } else {
            to_decimal(-mq, c, &f, &e);
        }
    } else {
        to_decimal(Q_MIN, t, &f, &e); /* subnormal */
    }
    return layout(buf, at, f, e);
}
