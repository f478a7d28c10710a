/* run.h: `profviz run [options] [--] script.py [args...]` and
 * `profviz run [options] -m module [args...]`: profile a program and show it.
 *
 * pv_run_main runs the program under cProfile with $PROFVIZ_PYTHON, else
 * python3 from PATH (so an active virtualenv's), with its own stdin, stdout,
 * stderr and arguments; writes the profile (-o FILE, or
 * ./<script>-<YYYYmmdd-HHMMSS>.prof) also when the program raises, exits with
 * a status or is interrupted with Ctrl-C; then serves it as `profviz FILE`
 * does (or only writes it, with --no-serve). argv[0] is "run". Returns the
 * program's exit status (128+N for signal N), or 2 for a usage error, an
 * unknown Python or a profile that could not be written or served.
 * Everything it allocates it frees before returning.
 */
#ifndef PV_RUN_H
#define PV_RUN_H

int pv_run_main(int argc, char **argv);

/* Prints the usage text of `profviz run` to the given stream. */
#include <stdio.h>
void pv_run_usage(FILE *stream);

#endif
