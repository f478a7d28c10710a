/* cli.h: the command line of `profviz [options] FILE...` (serving profiles).
 *
 * pv_serve_main parses the options, loads the profiles, runs the HTTP server
 * until SIGINT/SIGTERM and returns the process exit status (0, or 2 with one
 * line on stderr). Everything it allocates it frees before returning.
 */
#ifndef PV_CLI_H
#define PV_CLI_H

#include <stddef.h>

int pv_serve_main(int argc, char **argv);

/* Writes the page to open, a suffix of the served URL ("?profile=..."), into
 * buf (size bytes) once the profiles are in reg. */
struct pv_registry;
typedef void (*pv_serve_page_fn)(struct pv_registry *reg, void *ctx, char *buf, size_t size);

/* pv_serve_main that, when page is not NULL, prints "profviz: opening URL"
 * after the serving line and opens the browser there (`profviz compare`). */
int pv_serve_main_page(int argc, char **argv, pv_serve_page_fn page, void *ctx);

/* Checks the same command line as pv_serve_main without loading or serving
 * anything: returns 0 when it is valid, else 2 after printing the one-line
 * error pv_serve_main would print. */
int pv_serve_check(int argc, char **argv);

/* Prints the usage text of every subcommand to the given stream. */
#include <stdio.h>
void pv_cli_usage(FILE *stream);

#endif
