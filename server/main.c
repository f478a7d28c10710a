/* The profviz program: a thin dispatcher over the server library. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_compare.h"
#include "report.h"
#include "run.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "report") == 0) return pv_report_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "compare") == 0) return pv_compare_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "run") == 0) return pv_run_main(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("profviz %s\n", PROFVIZ_VERSION);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        pv_cli_usage(stdout);
        return 0;
    }
    return pv_serve_main(argc, argv);
}
