#include "status.h"

unsigned pv_status_of(pv_error_kind kind)
{
    switch (kind) {
    case PV_ERR_INPUT:
        return 400;
    case PV_ERR_ARGUMENT:
        return 400;
    case PV_ERR_NOT_FOUND:
        return 404;
    case PV_ERR_NOMEM:
        return 500;
    case PV_ERR_IO:
        return 500;
    case PV_ERR_NONE:
        break;
    }
    return 500;
}
