/* status.h: the one table from an error kind (error.h) to an HTTP status.
 *
 * Every error answer of the server takes its status from here, so that the
 * same failure always gets the same status: a bad profile or parameter is
 * 400, something that does not exist 404, and running out of memory or a
 * failing system call 500.
 */
#ifndef PV_STATUS_H
#define PV_STATUS_H

#include "error.h"

/* The HTTP status for an error of kind: PV_ERR_INPUT and PV_ERR_ARGUMENT 400,
 * PV_ERR_NOT_FOUND 404, PV_ERR_NOMEM, PV_ERR_IO (and PV_ERR_NONE, which no
 * error should carry) 500. */
unsigned pv_status_of(pv_error_kind kind);

#endif
