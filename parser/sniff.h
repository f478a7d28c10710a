/* sniff.h: naming the files people mistake for Python profiles.
 *
 * A .prof file is a marshal dump of pstats' dict. When bytes fail to parse
 * as one, pv_sniff looks at their start for what they are instead: other
 * profilers' outputs (a Go pprof protobuf, speedscope or Chrome trace JSON,
 * collapsed stacks, py-spy and Austin output, perf.data, SVG or HTML flame
 * graphs), a pickle, a text report printed by pstats, archives and other
 * common files. Each comes with a phrase naming it and advice on what to do
 * with it and how to make a real .prof. It only ever reads the first few
 * kilobytes, through bounds checks, and is only asked after marshal parsing
 * failed, so a real profile is never second-guessed.
 *
 * Everything returned is static; nothing is allocated.
 */
#ifndef PV_SNIFF_H
#define PV_SNIFF_H

#include <stddef.h>

/* How to make a real profile: the end of every piece of advice. */
#define PV_SNIFF_HOW_TO "make one with: python -m cProfile -o out.prof script.py"

typedef struct pv_sniffed {
    const char *what;   /* "a pprof profile (...)", to follow "this is " */
    const char *advice; /* what to do instead, ending with PV_SNIFF_HOW_TO */
} pv_sniffed;

/* What the len bytes at data recognisably are, or NULL when they look like
 * nothing known (or len is 0). */
const pv_sniffed *pv_sniff(const unsigned char *data, size_t len);

#endif
