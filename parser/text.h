/* text.h: turning the bytes of a marshal string into text that is valid UTF-8.
 *
 * Python 3 strings arrive as UTF-8 in which file names that were not valid
 * UTF-8 carry surrogate escapes (U+DC80..U+DCFF, one per original byte);
 * Python 2 strings arrive as raw bytes. Both become valid UTF-8 the way Python
 * would do it: surrogate escapes map back to their bytes, then every invalid
 * sequence is replaced by U+FFFD (one per maximal invalid subpart, as Python's
 * "replace" error handler does). A NUL byte, valid but unusable in the C
 * strings of the model (and invisible on screen), becomes U+2400 SYMBOL FOR
 * NULL, so that `f\0x` and `f\0y` stay two names, `f␀x` and `f␀y`, instead of
 * both ending at `f`. The output therefore never holds a NUL byte. The
 * functions write into a caller buffer and allocate nothing.
 */
#ifndef PV_TEXT_H
#define PV_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The most bytes pv_text_to_utf8 can write for len input bytes. */
#define PV_TEXT_MAX_OUT(len) ((len)*3)

/* Writes the valid UTF-8 form of the len bytes at in to out (which must hold
 * PV_TEXT_MAX_OUT(len) bytes) and returns the length written. With
 * unescape_surrogates, surrogate escapes are first mapped back to bytes.
 * Never fails. */
size_t pv_text_to_utf8(const unsigned char *in, size_t len, bool unescape_surrogates, char *out);

/* True when the len bytes at s are valid UTF-8 with no surrogates and no NUL
 * byte, i.e. when pv_text_to_utf8 would copy them unchanged. */
bool pv_text_is_clean_utf8(const unsigned char *s, size_t len);

/* The length of the valid UTF-8 sequence (no surrogates, no overlong forms)
 * at s[0], with n > 0 bytes available: 1 to 4, or 0 when the bytes there are
 * not valid, with *maximal set to the number of bytes that one U+FFFD stands
 * for (Python's "maximal subpart", at least 1). */
size_t pv_utf8_char_len(const unsigned char *s, size_t n, size_t *maximal);

/* The length of the first len bytes of s without a UTF-8 sequence that len
 * cuts short at the end (a lead byte whose continuation bytes lie beyond len).
 * Cutting text there never makes valid UTF-8 invalid. Never fails. */
size_t pv_utf8_prefix_len(const char *s, size_t len);

#endif
