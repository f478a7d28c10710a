/* json.h: the few JSON helpers cJSON lacks.
 *
 * cJSON prints doubles with 15 significant digits when they read back within
 * an epsilon, which loses the last bits of pstats' times; profviz promises
 * that every float reads back to the same double, so doubles go through
 * pv_json_double. The items returned are ordinary cJSON items owned by
 * whoever adds them to a tree (or frees them with cJSON_Delete).
 */
#ifndef PV_JSON_H
#define PV_JSON_H

#include <cjson/cJSON.h>

/* Writes the shortest decimal form of x that reads back to exactly x ("null"
 * for NaN and infinities, which JSON cannot hold) into buf of 32 bytes. */
void pv_json_format_double(double x, char buf[32]);

/* Returns a cJSON item holding x exactly (a raw number), or NULL when out of
 * memory. */
cJSON *pv_json_double(double x);

/* Adds pv_json_double(x) to object under name. Returns the item, or NULL. */
cJSON *pv_json_add_double(cJSON *object, const char *name, double x);

#endif
