/* report.h: `profviz report`, the terminal replacement for `python -m pstats`.
 *
 * pv_report_main parses its own arguments (argv[0] is "report"), loads the
 * files, prints a pstats-style table or the whole model as JSON on stdout, and
 * returns the process exit status (0, or 2 for usage and input errors, with
 * one line on stderr). It owns and frees everything it loads.
 */
#ifndef PV_REPORT_H
#define PV_REPORT_H

int pv_report_main(int argc, char **argv);

/* `profviz report --compare BASE NEW ...` (report_compare.c): argv as for
 * pv_report_main; pv_report_main hands over when it sees --compare. */
int pv_report_compare_main(int argc, char **argv);

#endif
