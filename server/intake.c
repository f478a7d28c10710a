/* intake.c: uploads, the request side (see intake.h). */
#include "intake.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"
#include "status.h"

struct pv_intake {
    pv_folder *folder;
    uint64_t max_bytes;
    uint64_t received;
    pv_upload *upload; /* the temporary file, or NULL */
    pv_multipart *multipart;
    bool failed; /* writing or parsing failed: answer at the end */
    pv_intake_answer failure;
    bool in_file;   /* the "file" field has started */
    bool file_done; /* ... and ended */
    char *part_name;
};

static pv_intake_step answer_with(pv_intake_answer *a, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pv_intake_step answer_with(pv_intake_answer *a, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    a->status = status;
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    return PV_INTAKE_ANSWER;
}

static pv_intake_step too_large(const pv_intake *in, pv_intake_answer *a, uint64_t max)
{
    (void)in;
    return answer_with(a, 413, "the upload is larger than the limit of %llu MB",
                       (unsigned long long)(max >> 20));
}

static void fail(pv_intake *in, unsigned status, const char *message)
{
    if (in->failed) return;
    in->failed = true;
    in->failure.status = status;
    snprintf(in->failure.message, sizeof in->failure.message, "%s", message);
}

static void write_bytes(pv_intake *in, const char *data, size_t len)
{
    pv_error err;
    if (in->failed || !in->upload || len == 0) return;
    if (pv_upload_write(in->upload, data, len, &err) < 0)
        fail(in, pv_status_of(err.kind), err.message);
}

static int on_part_begin(void *ctx, const char *name, const char *filename)
{
    pv_intake *in = ctx;
    if (in->in_file) in->file_done = true; /* only the first "file" field counts */
    if (in->file_done || !name || strcmp(name, "file") != 0) return 0;
    in->in_file = true;
    if (filename && *filename) in->part_name = strdup(filename);
    return 0;
}

static int on_part_data(void *ctx, const char *data, size_t len)
{
    pv_intake *in = ctx;
    if (in->in_file && !in->file_done) write_bytes(in, data, len);
    return 0;
}

pv_intake_step pv_intake_begin(pv_folder *folder, uint64_t max_bytes, const char *content_type,
                               const char *content_length, bool expects_continue, pv_intake **out,
                               pv_intake_answer *answer)
{
    *out = NULL;
    if (!folder) return answer_with(answer, 405, "uploads need --dir");
    if (!pv_folder_writable(folder))
        return answer_with(answer, 403, "the profile folder is read-only: uploads are off");
    bool over = false;
    if (content_length) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(content_length, &end, 10);
        if (end == content_length || *end || errno == ERANGE) {
            over = errno == ERANGE;
            n = 0;
        }
        over = over || n > max_bytes;
    }
    (void)expects_continue; /* either way the answer comes now; see intake.h */
    if (over) return too_large(NULL, answer, max_bytes);
    pv_intake *in = calloc(1, sizeof *in);
    if (!in) return answer_with(answer, 500, "out of memory");
    in->folder = folder;
    in->max_bytes = max_bytes;
    pv_error err;
    if (content_type && strncasecmp(content_type, "multipart/form-data", 19) == 0) {
        char boundary[PV_MULTIPART_MAX_BOUNDARY + 1];
        pv_multipart_events ev = {
            .part_begin = on_part_begin, .part_data = on_part_data, .ctx = in};
        if (pv_multipart_boundary(content_type, boundary, sizeof boundary, &err) < 0 ||
            !(in->multipart = pv_multipart_new(boundary, &ev, &err))) {
            pv_intake_free(in);
            return answer_with(answer, pv_status_of(err.kind), "%s", err.message);
        }
    }
    if (pv_upload_begin(folder, &in->upload, &err) < 0) {
        pv_intake_free(in);
        return answer_with(answer, pv_status_of(err.kind), "%s", err.message);
    }
    *out = in;
    return PV_INTAKE_CONTINUE;
}

pv_intake_step pv_intake_feed(pv_intake *in, const char *data, size_t len, pv_intake_answer *answer)
{
    in->received += len;
    if (in->received > in->max_bytes) {
        /* Stop storing at once and answer. */
        pv_upload_abort(in->upload);
        in->upload = NULL;
        return too_large(in, answer, in->max_bytes);
    }
    if (in->multipart) {
        pv_error err;
        if (!in->failed && pv_multipart_feed(in->multipart, data, len, &err) < 0)
            fail(in, pv_status_of(err.kind), err.message);
    } else {
        write_bytes(in, data, len);
    }
    return PV_INTAKE_CONTINUE;
}

pv_intake_step pv_intake_end(pv_intake *in, pv_intake_answer *answer)
{
    pv_error err;
    if (in->multipart && !in->failed && pv_multipart_finish(in->multipart, &err) < 0)
        fail(in, pv_status_of(err.kind), err.message);
    if (in->multipart && !in->failed && !in->in_file)
        fail(in, 400, "the multipart/form-data body has no field named \"file\"");
    if (in->failed) {
        /* No client sees the temporary file after its answer. */
        pv_upload_abort(in->upload);
        in->upload = NULL;
        *answer = in->failure;
        return PV_INTAKE_ANSWER;
    }
    return PV_INTAKE_CONTINUE;
}

const char *pv_intake_part_name(const pv_intake *in)
{
    return in->part_name;
}

pv_upload_result pv_intake_store(pv_intake *in, const char *name, char *id_out, pv_error *err)
{
    pv_upload *u = in->upload;
    in->upload = NULL;
    if (!u) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "the upload was already stored");
        return PV_UPLOAD_FAILED;
    }
    return pv_upload_finish(u, name, id_out, err);
}

void pv_intake_free(pv_intake *in)
{
    if (!in) return;
    pv_upload_abort(in->upload);
    pv_multipart_free(in->multipart);
    free(in->part_name);
    free(in);
}
