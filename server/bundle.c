/* bundle.c: the web UI's modules joined into one script (see bundle.h). */
#include "bundle.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MODULES 256
#define MAX_PATH 256
#define MAX_EXPORTS 512
#define RESERVED "__pv_"

typedef struct outbuf {
    char *data;
    size_t len, cap;
    bool failed; /* out of memory: every later write is dropped */
} outbuf;

enum { NEW = 0, VISITING, DONE };

typedef struct module {
    char path[MAX_PATH];
    int state;
} module;

typedef struct name {
    const char *local, *exported; /* exported NULL: the same as local */
    size_t local_len, exported_len;
} name;

typedef struct bundler {
    pv_bundle_reader read;
    void *ctx;
    module mods[MAX_MODULES];
    size_t count;
    outbuf out;
    pv_error *err;
} bundler;

static void put(outbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_str(outbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_module_var(outbuf *b, size_t index)
{
    char v[32];
    int w = snprintf(v, sizeof v, RESERVED "%zu", index);
    put(b, v, (size_t)w);
}

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
}

static bool starts(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(line, prefix, n) == 0;
}

/* The position of needle in line[0, len), or NULL. */
static const char *find(const char *line, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(line + i, needle, n) == 0) return line + i;
    return NULL;
}

/* An error about a line of a module. */
static int fail_at(bundler *b, const module *m, const char *data, const char *line, size_t lineno,
                   const char *what)
{
    return pv_fail(b->err, PV_ERR_INPUT, (int64_t)(line - data), "%s:%zu: %s", m->path, lineno,
                   what);
}

/* Joins the folder of from with the relative spec (./x.js, ../y/z.js) into
 * out. Returns false for a spec that is not relative, does not name a .js
 * file or leaves the folder. */
static bool resolve(const char *from, const char *spec, size_t spec_len, char out[MAX_PATH])
{
    if (!(starts(spec, spec_len, "./") || starts(spec, spec_len, "../"))) return false;
    if (spec_len < 4 || memcmp(spec + spec_len - 3, ".js", 3) != 0) return false;
    char path[MAX_PATH];
    const char *slash = strrchr(from, '/');
    size_t dir = slash ? (size_t)(slash - from) : 0;
    if (dir + 1 + spec_len >= MAX_PATH) return false;
    size_t len = 0;
    if (dir) {
        memcpy(path, from, dir);
        len = dir;
    }
    for (size_t i = 0; i < spec_len;) {
        size_t j = i;
        while (j < spec_len && spec[j] != '/')
            j++;
        size_t seg = j - i;
        if (seg == 0 || (seg == 1 && spec[i] == '.')) {
            /* "./" or an empty segment: nothing to add */
        } else if (seg == 2 && spec[i] == '.' && spec[i + 1] == '.') {
            if (len == 0) return false; /* above the web folder */
            while (len > 0 && path[len - 1] != '/')
                len--;
            if (len > 0) len--; /* the slash */
        } else {
            for (size_t k = i; k < j; k++)
                if (!is_ident(spec[k]) && spec[k] != '.' && spec[k] != '-') return false;
            if (len) path[len++] = '/';
            memcpy(path + len, spec + i, seg);
            len += seg;
        }
        i = j + 1;
    }
    path[len] = '\0';
    memcpy(out, path, len + 1);
    return len > 0;
}

typedef struct import_line {
    const char *clause, *spec;
    size_t clause_len, spec_len;
} import_line;

/* Splits `import CLAUSE from 'SPEC';` (trailing spaces allowed). */
static bool parse_import(const char *line, size_t len, import_line *im)
{
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\r' || line[len - 1] == '\t'))
        len--;
    if (len < 2 || line[len - 1] != ';' || line[len - 2] != '\'') return false;
    const char *from = find(line, len, " from '");
    if (!from) return false;
    im->clause = line + 7; /* "import " */
    im->clause_len = (size_t)(from - im->clause);
    im->spec = from + 7;
    im->spec_len = (size_t)(line + len - 2 - im->spec);
    if (find(im->spec, im->spec_len, "'")) return false;
    if (im->clause_len == 0) return false;
    for (size_t i = 0; i < im->clause_len; i++) {
        char c = im->clause[i];
        if (!is_ident(c) && c != ' ' && c != ',' && c != '{' && c != '}' && c != '*') return false;
    }
    return true;
}

/* Writes the const that replaces an import of the module named dep. */
static void put_import(outbuf *o, const import_line *im, size_t dep)
{
    const char *c = im->clause;
    size_t n = im->clause_len;
    put_str(o, "const ");
    if (c[0] == '*') { /* * as ns */
        const char *as = find(c, n, " as ");
        const char *ns = as ? as + 4 : c + n;
        put(o, ns, (size_t)(c + n - ns));
        put_str(o, " = ");
        put_module_var(o, dep);
        put_str(o, ";");
        return;
    }
    if (c[0] == '{') { /* { a, b as c } -> { a, b: c } */
        for (size_t i = 0; i < n;) {
            if (i + 4 <= n && memcmp(c + i, " as ", 4) == 0) {
                put_str(o, ": ");
                i += 4;
            } else {
                put(o, c + i, 1);
                i++;
            }
        }
        put_str(o, " = ");
        put_module_var(o, dep);
        put_str(o, ";");
        return;
    }
    put(o, c, n); /* a default import */
    put_str(o, " = ");
    put_module_var(o, dep);
    put_str(o, ".default;");
}

static int visit(bundler *b, const char *path, size_t *index);

/* Pass 1 over a module: checks every line, and visits each import first. */
static int check_lines(bundler *b, size_t self, const char *data, size_t len)
{
    const module *m = &b->mods[self];
    size_t lineno = 1;
    for (const char *line = data; line < data + len; lineno++) {
        const char *nl = memchr(line, '\n', (size_t)(data + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(data + len - line);
        if (find(line, n, "import(") || find(line, n, "import.meta"))
            return fail_at(b, m, data, line, lineno,
                           "a dynamic import or import.meta (not bundled)");
        size_t lead = 0;
        while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
            lead++;
        if (starts(line, n, "await "))
            return fail_at(b, m, data, line, lineno, "a top-level await (not bundled)");
        if (lead &&
            (starts(line + lead, n - lead, "import ") || starts(line + lead, n - lead, "export ")))
            return fail_at(b, m, data, line, lineno, "an indented import or export (not bundled)");
        if (starts(line, n, "import ")) {
            import_line im;
            char dep[MAX_PATH];
            if (!parse_import(line, n, &im))
                return fail_at(b, m, data, line, lineno,
                               "an import the bundler does not know (one line: import CLAUSE from "
                               "'./file.js';)");
            if (!resolve(m->path, im.spec, im.spec_len, dep))
                return fail_at(b, m, data, line, lineno,
                               "an import of something that is not a .js file of the folder");
            size_t ignored;
            if (visit(b, dep, &ignored) < 0) return -1;
        } else if (starts(line, n, "export ")) {
            const char *rest = line + 7;
            size_t rn = n - 7;
            if (starts(rest, rn, "let ") || starts(rest, rn, "var "))
                return fail_at(b, m, data, line, lineno,
                               "export let/var (a live binding; export a const or a function)");
            if (starts(rest, rn, "{")) {
                if (find(rest, rn, " from ") || !find(rest, rn, "}"))
                    return fail_at(b, m, data, line, lineno,
                                   "an export list the bundler does not know (one line, no from)");
            } else if (!(starts(rest, rn, "function ") || starts(rest, rn, "async function ") ||
                         starts(rest, rn, "class ") || starts(rest, rn, "const ") ||
                         starts(rest, rn, "default "))) {
                return fail_at(b, m, data, line, lineno, "an export the bundler does not know");
            }
        }
        line = nl ? nl + 1 : data + len;
    }
    return 0;
}

/* Records the names of `export { a, b as c };` into names. */
static int list_names(const char *list, size_t n, name *names, size_t *count)
{
    const char *p = memchr(list, '{', n), *end = memchr(list, '}', n);
    if (!p || !end || end < p) return -1;
    p++;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ','))
            p++;
        const char *a = p;
        while (p < end && is_ident(*p))
            p++;
        if (p == a) break;
        name nm = {.local = a, .local_len = (size_t)(p - a)};
        if (p + 4 <= end && memcmp(p, " as ", 4) == 0) {
            p += 4;
            const char *e = p;
            while (p < end && is_ident(*p))
                p++;
            nm.exported = e;
            nm.exported_len = (size_t)(p - e);
        }
        if (*count >= MAX_EXPORTS) return -1;
        names[(*count)++] = nm;
    }
    return 0;
}

/* Pass 2: writes the module, its imports and exports rewritten. */
static int emit(bundler *b, size_t self, const char *data, size_t len)
{
    const module *m = &b->mods[self];
    outbuf *o = &b->out;
    name *names = malloc(MAX_EXPORTS * sizeof *names);
    if (!names) return pv_fail(b->err, PV_ERR_NOMEM, -1, "out of memory");
    size_t count = 0;
    put_str(o, "/* ");
    put_str(o, m->path);
    put_str(o, " */\nconst ");
    put_module_var(o, self);
    put_str(o, " = (() => {\n");
    size_t lineno = 1;
    int rc = 0;
    for (const char *line = data; line < data + len && rc == 0; lineno++) {
        const char *nl = memchr(line, '\n', (size_t)(data + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(data + len - line);
        if (starts(line, n, "import ")) {
            import_line im;
            char dep[MAX_PATH];
            size_t d = 0;
            parse_import(line, n, &im); /* checked in pass 1 */
            resolve(m->path, im.spec, im.spec_len, dep);
            while (d < b->count && strcmp(b->mods[d].path, dep) != 0)
                d++;
            put_import(o, &im, d);
        } else if (starts(line, n, "export ")) {
            const char *rest = line + 7;
            size_t rn = n - 7;
            if (starts(rest, rn, "{")) {
                if (list_names(rest, rn, names, &count) < 0)
                    rc =
                        fail_at(b, m, data, line, lineno, "an export list the bundler cannot read");
            } else if (starts(rest, rn, "default ")) {
                put_str(o, "const " RESERVED "default = ");
                put(o, rest + 8, rn - 8);
                if (count < MAX_EXPORTS)
                    names[count++] = (name){.local = RESERVED "default",
                                            .local_len = strlen(RESERVED "default"),
                                            .exported = "default",
                                            .exported_len = 7};
            } else {
                size_t skip = starts(rest, rn, "async function ") ? 15
                              : starts(rest, rn, "function ")     ? 9
                              : starts(rest, rn, "class ")        ? 6
                                                                  : 6; /* "const " */
                const char *id = rest + skip, *e = id;
                while (e < line + n && is_ident(*e))
                    e++;
                if (e == id)
                    rc = fail_at(b, m, data, line, lineno,
                                 "an export without a plain name (one name per export)");
                else if (count >= MAX_EXPORTS)
                    rc = fail_at(b, m, data, line, lineno, "too many exports");
                else
                    names[count++] = (name){.local = id, .local_len = (size_t)(e - id)};
                put(o, rest, rn);
            }
        } else {
            put(o, line, n);
        }
        put_str(o, "\n");
        line = nl ? nl + 1 : data + len;
    }
    put_str(o, "return {");
    for (size_t i = 0; i < count; i++) {
        put_str(o, i ? ", " : " ");
        if (names[i].exported) {
            put(o, names[i].exported, names[i].exported_len);
            put_str(o, ": ");
        }
        put(o, names[i].local, names[i].local_len);
    }
    put_str(o, count ? " };\n})();\n" : "};\n})();\n");
    free(names);
    return rc;
}

static int visit(bundler *b, const char *path, size_t *index)
{
    for (size_t i = 0; i < b->count; i++) {
        if (strcmp(b->mods[i].path, path) != 0) continue;
        if (b->mods[i].state == VISITING)
            return pv_fail(b->err, PV_ERR_INPUT, -1,
                           "%s: imported again while its own imports load (an import cycle)", path);
        *index = i;
        return 0;
    }
    if (b->count >= MAX_MODULES)
        return pv_fail(b->err, PV_ERR_INPUT, -1, "more than %d modules", MAX_MODULES);
    size_t self = b->count++;
    module *m = &b->mods[self];
    snprintf(m->path, sizeof m->path, "%s", path);
    m->state = VISITING;
    char *data = NULL;
    size_t len = 0;
    if (b->read(b->ctx, path, &data, &len, b->err) < 0) return -1;
    const char *reserved = find(data, len, RESERVED);
    int rc = 0;
    if (reserved)
        rc = pv_fail(b->err, PV_ERR_INPUT, (int64_t)(reserved - data),
                     "%s: uses the prefix " RESERVED ", which the bundle keeps for itself", path);
    if (rc == 0) rc = check_lines(b, self, data, len);
    if (rc == 0) rc = emit(b, self, data, len);
    free(data);
    if (rc < 0) return -1;
    b->mods[self].state = DONE;
    *index = self;
    return 0;
}

int pv_bundle(const char *entry, pv_bundle_reader read, void *ctx, char **out, size_t *out_len,
              pv_error *err)
{
    bundler *b = calloc(1, sizeof *b);
    if (!b) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    b->read = read;
    b->ctx = ctx;
    b->err = err;
    put_str(&b->out, "// profviz's web UI: ");
    put_str(&b->out, entry);
    put_str(&b->out, " and the modules it imports, joined into one script by server/bundle.c "
                     "(generated: edit web/js, not this)\n");
    size_t index;
    int rc = visit(b, entry, &index);
    if (rc == 0 && b->out.failed) rc = pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    if (rc < 0) {
        free(b->out.data);
        free(b);
        return -1;
    }
    *out = b->out.data;
    *out_len = b->out.len;
    free(b);
    return 0;
}

int pv_bundle_read_folder(void *folder, const char *path, char **data, size_t *len, pv_error *err)
{
    char full[4096];
    int w = snprintf(full, sizeof full, "%s/%s", (const char *)folder, path);
    if (w < 0 || (size_t)w >= sizeof full)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "%s: the path is too long", path);
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return pv_fail(err, PV_ERR_NOT_FOUND, -1, "%s: no such module", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > PV_BUNDLE_MAX_FILE) {
        close(fd);
        return pv_fail(err, PV_ERR_INPUT, -1, "%s: not a file of at most %d bytes", path,
                       PV_BUNDLE_MAX_FILE);
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size ? size : 1);
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    if (got != size) {
        free(buf);
        return pv_fail(err, PV_ERR_IO, -1, "%s: cannot read the file", path);
    }
    *data = buf;
    *len = size;
    return 0;
}
