/* fuzz_gzip: libFuzzer target for gzip input (gzip.c and source.c): any
 * bytes must inflate within the cap or fail with an input error whose
 * offset lies in the input; what inflates must parse or fail cleanly. A
 * compressed copy of the input must inflate back to it exactly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP ((size_t)4 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_error err;
    pv_source_limits lim = {.max_inflated = CAP};
    pv_source src;
    if (pv_source_from_bytes(data, size, &lim, &src, &err) == 0) {
        if (src.len > (src.gzip ? CAP : size)) abort();
        pv_profile *p = NULL;
        if (pv_source_parse(&src, 0, &p, &err) == 0)
            pv_profile_free(p);
        else if (err.kind != PV_ERR_INPUT && err.kind != PV_ERR_NOMEM)
            abort();
        pv_source_close(&src);
    } else {
        if (err.kind != PV_ERR_INPUT && err.kind != PV_ERR_NOMEM) abort();
        if (err.kind == PV_ERR_INPUT && (err.offset < -1 || err.offset > (int64_t)size)) abort();
    }
    size_t glen = 0;
    unsigned char *g = pv_gzip_compress(data, size, 1, &glen);
    if (g) {
        unsigned char *out = NULL;
        size_t out_len = 0;
        if (pv_gzip_inflate(g, glen, size + 1, NULL, &out, &out_len, &err) < 0) abort();
        if (out_len != size || memcmp(out, data, size) != 0) abort();
        free(out);
        free(g);
    }
    return 0;
}
