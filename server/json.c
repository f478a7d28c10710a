#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pv_json_format_double(double x, char buf[32])
{
    if (!isfinite(x)) {
        strcpy(buf, "null");
        return;
    }
    /* The shortest of 15, 16 and 17 digits that reads back the same: 17
     * always does for an IEEE double. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, x);
        if (digits == 17 || strtod(buf, NULL) == x) break;
    }
    /* JSON needs a digit before an exponent or at the end, never "inf";
     * %g gives neither, but a locale's decimal comma must not leak in. */
    for (char *p = buf; *p; p++)
        if (*p == ',') *p = '.';
}

cJSON *pv_json_double(double x)
{
    char buf[32];
    pv_json_format_double(x, buf);
    return cJSON_CreateRaw(buf);
}

cJSON *pv_json_add_double(cJSON *object, const char *name, double x)
{
    cJSON *item = pv_json_double(x);
    if (item && !cJSON_AddItemToObject(object, name, item)) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}
