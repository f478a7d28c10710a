/* Scaffolding until the server lands: serving is not implemented yet. */
#include "cli.h"

void pv_cli_usage(FILE *stream)
{
    fputs("usage: profviz report [--sort KEY] [--limit N] [--json] FILE...\n", stream);
}

int pv_serve_main(int argc, char **argv)
{
    fputs("profviz: serving is not implemented yet\n", stderr);
    return 2;
}
