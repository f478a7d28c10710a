/* cli_compare.h: `profviz compare [options] BASE NEW`.
 *
 * pv_compare_main (argv[0] is "compare") serves BASE and NEW as `profviz
 * FILE...` does, prints "profviz: opening URL" for the comparison page and
 * opens the browser there; returns the exit status (0, or 2 with one line on
 * stderr). It frees everything it allocates.
 */
#ifndef PV_CLI_COMPARE_H
#define PV_CLI_COMPARE_H

int pv_compare_main(int argc, char **argv);

#endif
