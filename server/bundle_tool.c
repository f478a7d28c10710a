/* bundle_tool.c: the build step that writes js/bundle.js (see bundle.h).
 *
 *   pv_bundle_tool WEB_DIR ENTRY OUTPUT     e.g. web js/app.js build/web-gen/js/bundle.js
 *
 * Exits 0 with OUTPUT written, or 1 with the error (file:line) on stderr. */
#include <stdio.h>
#include <stdlib.h>

#include "bundle.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pv_bundle_tool WEB_DIR ENTRY OUTPUT\n");
        return 2;
    }
    pv_error err = {0};
    char *out = NULL;
    size_t len = 0;
    if (pv_bundle(argv[2], pv_bundle_read_folder, argv[1], &out, &len, &err) < 0) {
        char msg[PV_ERROR_MESSAGE_MAX + 32];
        pv_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "pv_bundle_tool: %s\n", msg);
        return 1;
    }
    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "pv_bundle_tool: cannot write %s\n", argv[3]);
        free(out);
        return 1;
    }
    free(out);
    return 0;
}
