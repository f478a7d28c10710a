#include "text.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at s[0] (n bytes available), or
 * 0 when it is not valid; *maximal receives the length of the maximal
 * subpart to replace by one U+FFFD (at least 1), as Python's decoder does. */
static size_t utf8_sequence(const unsigned char *s, size_t n, size_t *maximal)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    *maximal = 1;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c == 0xE0)
        need = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC)
        need = 3;
    else if (c == 0xED)
        need = 3, hi = 0x9F; /* no surrogates */
    else if (c >= 0xEE && c <= 0xEF)
        need = 3;
    else if (c == 0xF0)
        need = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        need = 4;
    else if (c == 0xF4)
        need = 4, hi = 0x8F;
    else
        return 0;
    for (size_t i = 1; i < need; i++) {
        if (i >= n) return 0;
        unsigned char x = s[i];
        if (i == 1 ? (x < lo || x > hi) : (x < 0x80 || x > 0xBF)) return 0;
        *maximal = i + 1;
    }
    return need;
}

size_t pv_utf8_char_len(const unsigned char *s, size_t n, size_t *maximal)
{
    return utf8_sequence(s, n, maximal);
}

bool pv_text_is_clean_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0, maximal;
    /* Names are nearly always ASCII without NUL: check eight bytes at a time
     * first (a byte is zero when subtracting 1 borrows into its top bit). */
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t zero = (w - 0x0101010101010101ull) & ~w;
        if ((w | zero) & 0x8080808080808080ull) break;
    }
    while (i < len) {
        if (s[i] < 0x80) {
            if (s[i] == 0) return false;
            i++;
            continue;
        }
        size_t k = utf8_sequence(s + i, len - i, &maximal);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

static bool is_surrogate_escape(const unsigned char *s, size_t n)
{
    /* U+DC80..U+DCFF encode as ED B2 80 .. ED B3 BF. */
    return n >= 3 && s[0] == 0xED && (s[1] == 0xB2 || s[1] == 0xB3) && s[2] >= 0x80 && s[2] <= 0xBF;
}

size_t pv_text_to_utf8(const unsigned char *in, size_t len, bool unescape_surrogates, char *out)
{
    if (pv_text_is_clean_utf8(in, len)) {
        if (len) memcpy(out, in, len);
        return len;
    }
    const unsigned char *src = in;
    size_t n = len;
    if (unescape_surrogates) {
        /* Unescape into the last len bytes of out; the repair below writes
         * from the front and, at 3 bytes out per byte in, never overtakes the
         * bytes it has yet to read. */
        unsigned char *bytes = (unsigned char *)out + 2 * len;
        size_t k = 0;
        for (size_t i = 0; i < len;) {
            if (is_surrogate_escape(in + i, len - i)) {
                bytes[k++] = (unsigned char)(in[i + 1] == 0xB2 ? in[i + 2] : in[i + 2] + 0x40);
                i += 3;
            } else {
                bytes[k++] = in[i++];
            }
        }
        src = bytes;
        n = k;
    }
    unsigned char *dst = (unsigned char *)out;
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t maximal, k = src[i] < 0x80 ? 1 : utf8_sequence(src + i, n - i, &maximal);
        if (src[i] == 0) {
            dst[w++] = 0xE2, dst[w++] = 0x90, dst[w++] = 0x80; /* U+2400 */
            i++;
        } else if (k) {
            memmove(dst + w, src + i, k);
            w += k;
            i += k;
        } else {
            dst[w++] = 0xEF, dst[w++] = 0xBF, dst[w++] = 0xBD; /* U+FFFD */
            i += maximal;
        }
    }
    return w;
}

size_t pv_utf8_prefix_len(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = len, continuation = 0;
    while (i > 0 && continuation < 3 && (u[i - 1] & 0xC0) == 0x80) {
        i--;
        continuation++;
    }
    if (i == 0) return len;
    unsigned char lead = u[i - 1];
    if (lead < 0xC2 || lead > 0xF4) return len; /* not a lead byte: nothing was cut */
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return need > continuation + 1 ? i - 1 : len;
}
