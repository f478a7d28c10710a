/* dtoa.h: the shortest decimal text of a double that reads back to it.
 *
 * pv_dtoa writes a finite double as the fewest significant digits that any
 * correct strtod turns back into the very same double (and, among those, the
 * ones closest to it), computed with integer arithmetic only: no trial
 * printf/strtod. The algorithm is Schubfach (R. Giulietti, "The Schubfach way
 * to render doubles", 2020), written here from the paper: the value is scaled
 * by a 126-bit approximation of a power of ten and the digits are chosen
 * within the rounding interval of the double. The powers of ten are computed
 * once, exactly, with a small big-integer routine (no table in the source).
 *
 * The layout follows JavaScript's Number.prototype.toString, which is what
 * the web UI parses: plain digits from 1e-7 up to 1e21 ("0.001", "1.5",
 * "123"), otherwise an exponent ("1e-7", "1.2345e+21"). Negative zero is
 * "-0.0" so that it reads back with its sign in JavaScript and Python alike.
 * NaN and the infinities have no JSON form; the JSON writer prints them as
 * null, and pv_dtoa writes "NaN", "Infinity" or "-Infinity".
 *
 * Thread-safe; allocates nothing after the first call (which fills a static
 * table once, under pthread_once).
 */
#ifndef PV_DTOA_H
#define PV_DTOA_H

#include <stddef.h>

/* Enough for any output of pv_dtoa and its NUL ("-1.2345678901234567e-308"). */
#define PV_DTOA_MAX 32

/* Writes x into buf (NUL-terminated) and returns the length written. */
size_t pv_dtoa(double x, char buf[PV_DTOA_MAX]);

#endif
