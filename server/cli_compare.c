/* cli_compare.c: `profviz compare [options] BASE NEW`: serve both profiles
 * and open the browser on their comparison.
 *
 * The options are those of `profviz FILE...` (cli.c), which does the
 * serving; --dir and --merge make no sense here and are refused. BASE and NEW
 * are the last two arguments, so that options taking a value need no special
 * knowledge here. */
#include "cli_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "registry.h"

static const char compare_usage[] =
    "usage: profviz compare [options] BASE NEW\n"
    "Serves both profiles and opens the browser on their comparison (what got\n"
    "slower or faster from BASE to NEW). Options as for profviz FILE... (see\n"
    "profviz --help), but not --dir or --merge. In the terminal:\n"
    "profviz report --compare BASE NEW.\n";

/* The page: NEW shown, compared with BASE. */
static void compare_page(pv_registry *reg, void *ctx, char *buf, size_t size)
{
    (void)ctx;
    pv_registry_entry *list = NULL;
    size_t n = 0;
    pv_error err;
    buf[0] = '\0';
    if (pv_registry_list(reg, false, &list, &n, &err) < 0 || n == 0) return;
    /* BASE was added first; the same file twice is one entry. */
    snprintf(buf, size, "?profile=%s&view=compare&base=%s", list[n - 1].id, list[0].id);
    pv_registry_list_free(list, n);
}

int pv_compare_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(compare_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--dir") == 0 || strncmp(argv[i], "--dir=", 6) == 0 ||
            strcmp(argv[i], "--merge") == 0) {
            fprintf(stderr, "profviz compare: %s is not for comparisons\n%s", argv[i],
                    compare_usage);
            return 2;
        }
    }
    if (argc < 3 || argv[argc - 1][0] == '-' || argv[argc - 2][0] == '-') {
        fprintf(stderr, "profviz compare: give two profiles, BASE and NEW, last\n%s",
                compare_usage);
        return 2;
    }
    /* "profviz" OPTIONS... -- BASE NEW */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        fputs("profviz: out of memory\n", stderr);
        return 2;
    }
    int n = 0;
    args[n++] = "profviz";
    for (int i = 1; i < argc - 2; i++)
        args[n++] = argv[i];
    args[n++] = "--";
    args[n++] = argv[argc - 2];
    args[n++] = argv[argc - 1];
    int status = pv_serve_main_page(n, args, compare_page, NULL);
    free(args);
    return status;
}
