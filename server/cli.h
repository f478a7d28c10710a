/* cli.h: the command line of `profviz [options] FILE...` (serving profiles).
 *
 * pv_serve_main parses the options, loads the profiles, runs the HTTP server
 * until SIGINT/SIGTERM and returns the process exit status (0, or 2 with one
 * line on stderr). Everything it allocates it frees before returning.
 */
#ifndef PV_CLI_H
#define PV_CLI_H

int pv_serve_main(int argc, char **argv);

/* Checks the same command line as pv_serve_main without loading or serving
 * anything: returns 0 when it is valid, else 2 after printing the one-line
 * error pv_serve_main would print. */
int pv_serve_check(int argc, char **argv);

/* Prints the usage text of every subcommand to the given stream. */
#include <stdio.h>
void pv_cli_usage(FILE *stream);

#endif
