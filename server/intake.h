/* intake.h: the request side of an upload (POST /api/profiles in team
 * mode): the size limit, the body (raw, or the "file" field of
 * multipart/form-data, see multipart.h) into the folder's temporary file
 * (folder.h's pv_upload), and a refusal that the client can read.
 *
 * A body over the size limit is refused at once (by its Content-Length
 * before any of it is read, else as soon as it passes the limit) with 413.
 * A client that sent "Expect: 100-continue" then sends no body; any other
 * (Python's urllib, many scripts) sends it anyway, and the caller must then
 * close the connection lingering (guard.h's pv_guard_linger) so that the
 * client reads the 413 instead of a connection reset.
 *
 * Ownership: a pv_intake belongs to its caller (pv_intake_free, which also
 * deletes an unfinished temporary file). Nothing here knows microhttpd.
 */
#ifndef PV_INTAKE_H
#define PV_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "folder.h"

typedef struct pv_intake pv_intake;

/* What to do next. */
typedef enum pv_intake_step {
    PV_INTAKE_CONTINUE, /* read on */
    PV_INTAKE_ANSWER,   /* answer now with *status and the message; stop reading */
} pv_intake_step;

typedef struct pv_intake_answer {
    unsigned status;
    char message[PV_ERROR_MESSAGE_MAX + 64];
} pv_intake_answer;

/* Starts an upload into folder with the request's Content-Type and
 * Content-Length (NULL when absent) and whether it sent Expect:
 * 100-continue. Sets *out (NULL when answering at once) and returns the
 * step; with ANSWER, *answer says what. */
pv_intake_step pv_intake_begin(pv_folder *folder, uint64_t max_bytes, const char *content_type,
                               const char *content_length, bool expects_continue, pv_intake **out,
                               pv_intake_answer *answer);

/* A piece of the body. Returns CONTINUE, or ANSWER (413: the body passed the
 * limit; the temporary file is gone) to answer now. */
pv_intake_step pv_intake_feed(pv_intake *in, const char *data, size_t len,
                              pv_intake_answer *answer);

/* The body is complete. Returns CONTINUE when the upload is ready for
 * pv_intake_store, or ANSWER (a refusal: 400, 413 or 500). */
pv_intake_step pv_intake_end(pv_intake *in, pv_intake_answer *answer);

/* The file name the client gave with the multipart field, or NULL. */
const char *pv_intake_part_name(const pv_intake *in);

/* Stores the upload (slow: parses it; run it off the event loop) named name
 * (the ?name= parameter, else the part's file name, else "upload.prof").
 * Returns as pv_upload_finish does; the temporary file is gone either way. */
pv_upload_result pv_intake_store(pv_intake *in, const char *name, char *id_out, pv_error *err);

/* Frees the intake (deleting an unfinished temporary file). NULL is fine. */
void pv_intake_free(pv_intake *in);

#endif
