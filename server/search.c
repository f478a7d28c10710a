/* search.c: the search text of a profile (see search.h). Files are told
 * apart by pointer (a profile's functions share their file's string): a
 * table of the pointers seen gives each function the copy made for the
 * first one with its file. */
#define _GNU_SOURCE /* memmem */
#include "search.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pv_search {
    size_t n;    /* functions */
    char *names; /* lower-cased names, NUL after each */
    size_t names_len;
    uint32_t *name_at; /* n + 1 starts in names */
    char *files;       /* lower-cased file copies, NUL after each */
    size_t files_len;
    uint32_t *file_at; /* nfiles + 1 starts in files */
    size_t nfiles;
    uint32_t *file_of; /* per function, its file's copy */
};

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Appends the lower-cased s and a NUL at *len in buf (which has room). */
static void append_lower(char *buf, size_t *len, const char *s)
{
    size_t at = *len;
    for (; *s; s++)
        buf[at++] = lower_ascii(*s);
    buf[at++] = '\0';
    *len = at;
}

/* Files seen so far, by pointer: an open-addressing table that doubles
 * when half full. */
typedef struct file_slot {
    const char *file; /* NULL: empty */
    uint32_t copy;
} file_slot;

typedef struct file_table {
    file_slot *slots;
    size_t cap, used;
} file_table;

static size_t slot_of(const file_table *t, const char *file)
{
    uint64_t h = (uint64_t)(uintptr_t)file * UINT64_C(0x9e3779b97f4a7c15);
    size_t i = (size_t)(h >> 32) & (t->cap - 1);
    while (t->slots[i].file && t->slots[i].file != file)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Doubles t. Returns 0, or -1 when out of memory. */
static int grow(file_table *t)
{
    file_table bigger = {calloc(2 * t->cap, sizeof *bigger.slots), 2 * t->cap, t->used};
    if (!bigger.slots) return -1;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].file) bigger.slots[slot_of(&bigger, t->slots[i].file)] = t->slots[i];
    free(t->slots);
    *t = bigger;
    return 0;
}

void pv_search_free(pv_search *s)
{
    if (!s) return;
    free(s->names);
    free(s->name_at);
    free(s->files);
    free(s->file_at);
    free(s->file_of);
    free(s);
}

size_t pv_search_memory(const pv_search *s)
{
    return sizeof *s + s->names_len + s->files_len + (s->n + 1) * sizeof(uint32_t) * 2 +
           (s->nfiles + 1) * sizeof(uint32_t);
}

int pv_search_build(const pv_profile *profile, pv_search **out, pv_error *err)
{
    size_t n = profile->nfunctions;
    pv_search *s = calloc(1, sizeof *s);
    file_table seen = {calloc(1024, sizeof *seen.slots), 1024, 0};
    const char **copied = malloc((n ? n : 1) * sizeof *copied);
    if (!s || !seen.slots || !copied) goto nomem;
    s->n = n;
    s->file_of = malloc((n ? n : 1) * sizeof *s->file_of);
    s->name_at = malloc((n + 1) * sizeof *s->name_at);
    if (!s->file_of || !s->name_at) goto nomem;
    /* The files first: one copy per pointer, the last one's found at once. */
    size_t names_len = 0, files_len = 0;
    const char *last = NULL;
    uint32_t last_copy = 0;
    for (size_t id = 0; id < n; id++) {
        const pv_function *f = &profile->functions[id];
        names_len += strlen(f->name) + 1;
        if (f->file != last) {
            if (2 * (seen.used + 1) > seen.cap && grow(&seen) < 0) goto nomem;
            size_t i = slot_of(&seen, f->file);
            if (!seen.slots[i].file) {
                seen.slots[i] = (file_slot){f->file, (uint32_t)s->nfiles};
                seen.used++;
                copied[s->nfiles++] = f->file;
                files_len += strlen(f->file) + 1;
            }
            last = f->file;
            last_copy = seen.slots[i].copy;
        }
        s->file_of[id] = last_copy;
    }
    free(seen.slots);
    seen.slots = NULL;
    if (names_len > UINT32_MAX || files_len > UINT32_MAX) {
        free(copied);
        pv_search_free(s);
        return pv_fail(err, PV_ERR_INPUT, -1, "names and files are too long to search (%zu bytes)",
                       names_len + files_len);
    }
    s->names = malloc(names_len ? names_len : 1);
    s->files = malloc(files_len ? files_len : 1);
    s->file_at = malloc((s->nfiles + 1) * sizeof *s->file_at);
    if (!s->names || !s->files || !s->file_at) goto nomem;
    for (size_t id = 0; id < n; id++) {
        s->name_at[id] = (uint32_t)s->names_len;
        append_lower(s->names, &s->names_len, profile->functions[id].name);
    }
    s->name_at[n] = (uint32_t)s->names_len;
    for (size_t i = 0; i < s->nfiles; i++) {
        s->file_at[i] = (uint32_t)s->files_len;
        append_lower(s->files, &s->files_len, copied[i]);
    }
    s->file_at[s->nfiles] = (uint32_t)s->files_len;
    free(copied);
    *out = s;
    return 0;
nomem:
    free(seen.slots);
    free(copied);
    pv_search_free(s);
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory making the search text of %zu functions",
                   n);
}

/* Sets hit[i] for every string i of the packed text (starts at[0..count],
 * at[count] = len) that holds needle. Hits come in text order, so the
 * string holding each is found by walking forward from the last one. */
static void mark_matches(const char *text, size_t len, const uint32_t *at, const char *needle,
                         size_t needle_len, unsigned char *hit)
{
    size_t pos = 0, i = 0;
    while (pos < len) {
        const char *found = memmem(text + pos, len - pos, needle, needle_len);
        if (!found) break;
        size_t off = (size_t)(found - text);
        while (at[i + 1] <= off)
            i++; /* at[i] <= off < at[i + 1] */
        hit[i] = 1;
        pos = at[i + 1];
    }
}

int pv_search_mark(const pv_search *s, const char *q, unsigned char *hit, pv_error *err)
{
    size_t len = strlen(q);
    if (len == 0) {
        memset(hit, 1, s->n);
        return 0;
    }
    char *needle = malloc(len + 1);
    unsigned char *file_hit = calloc(s->nfiles ? s->nfiles : 1, 1);
    if (!needle || !file_hit) {
        free(needle);
        free(file_hit);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t i = 0; i <= len; i++)
        needle[i] = lower_ascii(q[i]);
    mark_matches(s->names, s->names_len, s->name_at, needle, len, hit);
    mark_matches(s->files, s->files_len, s->file_at, needle, len, file_hit);
    for (size_t id = 0; id < s->n; id++)
        if (file_hit[s->file_of[id]]) hit[id] = 1;
    free(needle);
    free(file_hit);
    return 0;
}
