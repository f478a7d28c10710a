/* folder.h: team mode's profile folder (profviz --dir DIR): its files as
 * registry entries, and uploads stored into it atomically.
 *
 * A pv_folder watches one folder for profile files (names ending .prof,
 * .pstats or .prof.gz; hidden files ignored) and keeps a table of the files
 * it has seen: name, size and mtime, and the id it gave (or that the file is
 * not a valid profile, logged once on stderr and left out). pv_folder_scan()
 * reads the folder again (readdir and stat: cheap when nothing changed),
 * parses files that are new or whose size or mtime changed, and removes the
 * entries of files that are gone. A file whose content equals a profile
 * already held is an alias of it: the same id, one entry.
 *
 * An upload is written to a hidden temporary file in the folder
 * (".upload-XXXXXX", created with O_EXCL and mode 0600), parsed once
 * complete, and then deleted (invalid, or already held) or made readable
 * (0644), synced and linked to its final name, so neither a crash nor concurrent uploads leave a
 * partial file under a profile's name. Temporary files older than an hour
 * are deleted by pv_folder_open().
 *
 * Ownership: a folder borrows its registry (which must outlive it); a
 * pv_upload belongs to its caller until pv_upload_finish() or
 * pv_upload_abort() frees it. A mutex guards the table and the final step
 * of uploads (it is never held across reading or parsing a file); scans run
 * one at a time; every function may be called from any thread.
 */
#ifndef PV_FOLDER_H
#define PV_FOLDER_H

#include <stddef.h>

#include <stdbool.h>

#include "error.h"
#include "registry.h"
#include "source.h"

typedef struct pv_folder pv_folder;
typedef struct pv_upload pv_upload;

/* The age in seconds past which a leftover temporary upload is deleted. */
#define PV_FOLDER_STALE_SECONDS 3600

/* Opens dir for reg: checks that it is a folder this process can read and
 * deletes stale temporary uploads. A folder it cannot write to (a read-only
 * volume, say) is served as it is, with uploads off. Scans nothing yet.
 * Returns 0 and sets *out, or -1 with err filled ("--dir DIR: ..."). */
int pv_folder_open(const char *dir, pv_registry *reg, pv_folder **out, pv_error *err);

/* The limits for reading the folder's files and uploads (source.h). Call it
 * before serving. */
void pv_folder_set_limits(pv_folder *folder, const pv_source_limits *limits);

/* Whether uploads can be stored in the folder (it was writable when opened). */
bool pv_folder_writable(const pv_folder *folder);

/* Frees the folder (its table, not the registry's entries). NULL is fine. */
void pv_folder_free(pv_folder *folder);

/* Brings the registry in line with the folder's files, as described above.
 * Returns 0, or -1 with err filled when the folder cannot be read. */
int pv_folder_scan(pv_folder *folder, pv_error *err);

/* The least time between two scans of pv_folder_refresh where inotify is
 * not available, and between two readings of one file that keeps changing. */
#define PV_FOLDER_RESCAN_MS 1000

/* Scans as pv_folder_scan does, but only when something in the folder
 * changed since the last scan (inotify says so; without inotify, at most
 * once per PV_FOLDER_RESCAN_MS), so that requests can call it freely. Its
 * work is bounded: a file that changes again within PV_FOLDER_RESCAN_MS of
 * being read again keeps the entry it had until that time is up (a file
 * being written is read when it appears, at its first change, then at most
 * once per PV_FOLDER_RESCAN_MS), and a call that finds a scan
 * running does not wait for it but leaves it to scan again; only calls
 * before the first scan has completed wait for it. Returns 0, or -1 with err
 * filled when the folder cannot be read. */
int pv_folder_refresh(pv_folder *folder, pv_error *err);

/* Starts an upload: creates its temporary file. Returns 0 and sets *out, or
 * -1 with err filled. */
int pv_upload_begin(pv_folder *folder, pv_upload **out, pv_error *err);

/* Appends len bytes to the upload. Returns 0, or -1 with err filled (the
 * upload stays to be aborted). */
int pv_upload_write(pv_upload *upload, const void *data, size_t len, pv_error *err);

/* Bytes written so far. */
size_t pv_upload_size(const pv_upload *upload);

/* Deletes the temporary file and frees the upload. NULL is fine. */
void pv_upload_abort(pv_upload *upload);

typedef enum pv_upload_result {
    PV_UPLOAD_FAILED = -1, /* an I/O error or out of memory: err says which; nothing kept */
    PV_UPLOAD_INVALID = 0, /* not a valid profile: err has the parser's message; nothing kept */
    PV_UPLOAD_EXISTS = 1,  /* the same content is held already: nothing new kept */
    PV_UPLOAD_STORED = 2,  /* kept under a new file name and added to the registry */
} pv_upload_result;

/* Completes an upload named name (the client's file name: its last component
 * as uploaded, without control bytes, malformed UTF-8 or a leading '.', '-'
 * or space, at most 100 bytes, with the extension .prof,
 * or .prof.gz for gzip content, and "-ID" before it when the name is taken).
 * Copies the profile id to id_out (PV_REGISTRY_ID_LEN + 1 bytes) when the
 * result is EXISTS or STORED. Frees the upload in every case. */
pv_upload_result pv_upload_finish(pv_upload *upload, const char *name, char *id_out, pv_error *err);

/* Writes the final file name for a client's name into out (size bytes, at
 * least 64): see pv_upload_finish. id, when not NULL, is appended. */
void pv_folder_safe_name(const char *name, int gzip, const char *id, char *out, size_t size);

#endif
