/* fake_arg.h: query parameters for API unit tests without a server: ctx is
 * a NULL-terminated array of "name=value" strings (pv_api_arg_fn, api.h). */
#ifndef PV_TEST_FAKE_ARG_H
#define PV_TEST_FAKE_ARG_H

#include <string.h>

static int fake_arg(void *ctx, const char *name, const char **value, size_t *len)
{
    for (const char *const *p = ctx; *p; p++) {
        size_t n = strlen(name);
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=') {
            *value = *p + n + 1;
            *len = strlen(*value);
            return 1;
        }
    }
    return 0;
}

#endif
