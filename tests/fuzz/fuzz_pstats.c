/* fuzz_pstats: libFuzzer target for pv_pstats_parse, the parser's entry point
 * for untrusted bytes. Any input must give either a profile (whose tables are
 * then checked for consistency) or an error whose offset lies inside the
 * input; ASan/UBSan catch the rest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what the model promises in profile.h; aborts on a broken promise so
 * that libFuzzer saves the input. */
static void check_profile(const pv_profile *p)
{
    for (uint32_t id = 0; id < p->nfunctions; id++) {
        const pv_function *f = &p->functions[id];
        if (!f->file || !f->name) abort();
        if ((uint64_t)f->first_caller + f->ncallers > p->nedges) abort();
        if ((uint64_t)f->first_callee + f->ncallees > p->nedges) abort();
        for (uint32_t k = 0; k < f->ncallers; k++)
            if (p->edges[f->first_caller + k].callee != id) abort();
        for (uint32_t k = 0; k < f->ncallees; k++) {
            uint32_t e = p->callee_edges[f->first_callee + k];
            if (e >= p->nedges || p->edges[e].caller != id) abort();
        }
        (void)strlen(f->file); /* NUL-terminated: ASan reads to the end */
        (void)strlen(f->name);
    }
    for (uint32_t k = 0; k < p->nroots; k++)
        if (p->roots[k] >= p->nfunctions) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_profile *profile = NULL;
    pv_error err;
    if (pv_pstats_parse(data, size, &profile, &err) == 0) {
        if (!profile) abort();
        check_profile(profile);
        pv_profile_free(profile);
    } else {
        if (profile) abort();
        if (err.message[0] == '\0' || err.offset < -1 || err.offset > (int64_t)size) abort();
        /* Bad bytes are input errors; only allocation can fail otherwise. */
        if (err.kind != PV_ERR_INPUT && err.kind != PV_ERR_NOMEM) abort();
    }
    /* Loading without edges must accept and refuse exactly the same inputs,
     * with the same functions. */
    pv_profile *lean = NULL;
    pv_error lean_err;
    int lean_status = pv_pstats_parse_with(data, size, PV_LOAD_NO_EDGES, &lean, &lean_err);
    if (lean_status == 0) {
        if (!lean || lean->nedges || lean->nroots) abort();
        check_profile(lean);
        pv_profile *full = NULL;
        if (pv_pstats_parse(data, size, &full, &err) != 0 || full->nfunctions != lean->nfunctions ||
            full->total_calls != lean->total_calls)
            abort();
        pv_profile_free(full);
        pv_profile_free(lean);
    } else if (pv_pstats_parse(data, size, &profile, &err) == 0 || err.offset != lean_err.offset ||
               err.kind != lean_err.kind || strcmp(err.message, lean_err.message) != 0) {
        abort();
    }
    (void)pv_pstats_sniff(data, size);
    return 0;
}
