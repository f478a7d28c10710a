/* sniff.c: magic numbers, a protobuf walk and a few text shapes (sniff.h). */
#include "sniff.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "text.h"

#define HOW PV_SNIFF_HOW_TO
#define WINDOW 4096 /* bytes looked at for text shapes */

enum {
    GZIP,
    ZIP,
    BZIP2,
    XZ,
    ZSTD,
    ELF,
    PDF,
    PNG,
    SQLITE,
    PERF,
    PICKLE,
    PPROF,
    PROTOBUF,
    SPEEDSCOPE_PYSPY,
    SPEEDSCOPE,
    CHROME_TRACE,
    JSON,
    SVG_FLAME_PYSPY,
    SVG_FLAME,
    SVG,
    HTML_FLAME,
    HTML,
    XML,
    TEXT_REPORT,
    CALLGRIND,
    AUSTIN,
    PYSPY_RAW,
    COLLAPSED,
    TEXT,
};

static const pv_sniffed kinds[] = {
    [GZIP] = {"a gzip-compressed file", "gunzip it first, or " HOW},
    [ZIP] = {"a zip archive", "unpack it and open the .prof inside; or " HOW},
    [BZIP2] = {"a bzip2-compressed file", "decompress it with bunzip2 first; or " HOW},
    [XZ] = {"an xz-compressed file", "decompress it with unxz first; or " HOW},
    [ZSTD] = {"a zstd-compressed file", "decompress it with unzstd first; or " HOW},
    [ELF] = {"an executable (ELF)", HOW},
    [PDF] = {"a PDF document", HOW},
    [PNG] = {"a PNG image", HOW},
    [SQLITE] = {"an SQLite database", HOW},
    [PERF] = {"a Linux perf.data file (from perf record)",
              "open it with perf report; for a Python program, " HOW},
    [PICKLE] = {"a Python pickle", "pstats files are marshal dumps: save a Stats object with "
                                   "stats.dump_stats(\"out.prof\"), or " HOW},
    [PPROF] = {"a pprof profile (protocol buffers, as Go's runtime/pprof writes)",
               "open it with go tool pprof -http=: FILE; for a Python program, " HOW},
    [PROTOBUF] = {"a protocol-buffer file", HOW},
    [SPEEDSCOPE_PYSPY] = {"a speedscope JSON profile written by py-spy",
                          "open it at speedscope.app; sampled stacks hold no call counts, so "
                          "for profviz " HOW},
    [SPEEDSCOPE] = {"a speedscope JSON profile", "open it at speedscope.app; for profviz, " HOW},
    [CHROME_TRACE] = {"a Chrome trace (Trace Event JSON)",
                      "open it at ui.perfetto.dev or chrome://tracing; for profviz, " HOW},
    [JSON] = {"a JSON file", HOW},
    [SVG_FLAME_PYSPY] = {"a flame graph image (SVG) drawn by py-spy",
                         "an image keeps no call counts: " HOW},
    [SVG_FLAME] = {"a flame graph image (SVG)", "an image keeps no call counts: " HOW},
    [SVG] = {"an SVG image", HOW},
    [HTML_FLAME] = {"an HTML flame graph page", "a page keeps no call counts: " HOW},
    [HTML] = {"an HTML page", HOW},
    [XML] = {"an XML file", HOW},
    [TEXT_REPORT] = {"a text report printed by pstats or cProfile, not the binary .prof file it "
                     "was printed from",
                     HOW},
    [CALLGRIND] = {"a callgrind file", "open it with kcachegrind; for a Python program, " HOW},
    [AUSTIN] = {"Austin's output (sampled stacks)",
                "sampled stacks hold no call counts: for profviz " HOW},
    [PYSPY_RAW] = {"py-spy's raw output (collapsed stacks)",
                   "sampled stacks hold no call counts: for profviz " HOW},
    [COLLAPSED] = {"collapsed stacks (folded \"a;b;c 12\" lines)",
                   "sampled stacks hold no call counts: for profviz " HOW},
    [TEXT] = {"a text file", HOW},
};

static bool starts_with(const unsigned char *data, size_t len, const char *prefix, size_t n)
{
    return len >= n && memcmp(data, prefix, n) == 0;
}

#define STARTS(lit) starts_with(data, len, lit, sizeof lit - 1)

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Whether the first WINDOW bytes hold needle (ASCII letters in any case). */
static bool contains(const unsigned char *data, size_t len, const char *needle)
{
    size_t n = strlen(needle), limit = len < WINDOW ? len : WINDOW;
    for (size_t i = 0; i + n <= limit; i++) {
        size_t k = 0;
        while (k < n && lower(data[i + k]) == lower((unsigned char)needle[k]))
            k++;
        if (k == n) return true;
    }
    return false;
}

/* Printable UTF-8 in the first 512 bytes (a character cut by the end of
 * those is fine). */
static bool looks_like_text(const unsigned char *data, size_t len)
{
    size_t n = len < 512 ? len : 512;
    for (size_t i = 0; i < n;) {
        unsigned char c = data[i];
        if (c < 0x80) {
            if (c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f) return false;
            i++;
            continue;
        }
        size_t maximal, k = pv_utf8_char_len(data + i, len - i, &maximal);
        if (k == 0) return false;
        i += k;
    }
    return n > 0;
}

/* ---- Protocol buffers ---------------------------------------------------- */

static bool varint(const unsigned char *data, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        unsigned char b = data[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* The wire types pprof's profile.proto gives fields 1 to 14 (2: length-
 * delimited, 0: varint; field 13, comments, may be packed). */
static bool pprof_field(uint64_t field, uint64_t wire)
{
    static const signed char want[15] = {-1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2, 0, 0, 0};
    if (field < 1 || field > 14) return false;
    return (int)wire == want[field] || (field == 13 && wire == 2);
}

/* Walks up to 16 protobuf fields from the start. Returns 1 when they are
 * well formed (at least 3 fields, or all of a short file), 2 when they are
 * also all fields of a pprof profile, 0 otherwise. */
static int protobuf_shape(const unsigned char *data, size_t len)
{
    size_t pos = 0;
    int fields = 0;
    bool pprof = true;
    while (fields < 16 && pos < len) {
        uint64_t tag, v;
        if (!varint(data, len, &pos, &tag)) return 0;
        uint64_t field = tag >> 3, wire = tag & 7;
        if (field == 0 || field > 536870911) return 0;
        switch (wire) {
        case 0:
            if (!varint(data, len, &pos, &v)) return 0;
            break;
        case 1:
            if (len - pos < 8) return 0;
            pos += 8;
            break;
        case 2:
            if (!varint(data, len, &pos, &v)) return 0;
            if (v > len - pos) { /* a file cut short: the walk ends here */
                pos = len;
                break;
            }
            pos += (size_t)v;
            break;
        case 5:
            if (len - pos < 4) return 0;
            pos += 4;
            break;
        default:
            return 0; /* groups (3, 4) are long obsolete; 6 and 7 do not exist */
        }
        pprof = pprof && pprof_field(field, wire);
        fields++;
    }
    if (fields < 3 && pos < len) return 0;
    return fields == 0 ? 0 : pprof ? 2 : 1;
}

/* ---- Text shapes ----------------------------------------------------------- */

/* The first byte that is not white space (or a UTF-8 byte order mark). */
static size_t skip_space(const unsigned char *data, size_t len)
{
    size_t i = STARTS("\xef\xbb\xbf") ? 3 : 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    return i;
}

/* Lines of sampled stacks: "frame;frame;frame COUNT" (as Brendan Gregg's
 * stackcollapse scripts, py-spy -f raw and Austin write). Checks up to 8
 * lines in the window (the last, possibly cut, only when complete); at
 * least one must have two frames. */
static bool collapsed_lines(const unsigned char *data, size_t len)
{
    size_t limit = len < WINDOW ? len : WINDOW, i = 0;
    int lines = 0;
    bool nested = false;
    while (i < limit && lines < 8) {
        size_t start = i;
        while (i < limit && data[i] != '\n')
            i++;
        if (i == limit && limit < len) break; /* cut by the window */
        size_t end = i;
        if (i < limit) i++;
        if (end > start && data[end - 1] == '\r') end--;
        if (end == start || data[start] == '#') continue; /* blank, or Austin's metadata */
        size_t d = end;
        while (d > start && data[d - 1] >= '0' && data[d - 1] <= '9')
            d--;
        if (d == end || d - start < 2 || data[d - 1] != ' ' || data[start] == ' ') return false;
        if (memchr(data + start, ';', d - start)) nested = true;
        lines++;
    }
    return lines > 0 && nested;
}

static int sniff_text(const unsigned char *data, size_t len)
{
    size_t at = skip_space(data, len);
    const unsigned char *t = data + at;
    size_t tlen = len - at;
    if (tlen && (t[0] == '{' || t[0] == '[')) {
        if (contains(data, len, "speedscope"))
            return contains(data, len, "py-spy") ? SPEEDSCOPE_PYSPY : SPEEDSCOPE;
        if (contains(data, len, "\"traceEvents\"") ||
            (t[0] == '[' && contains(data, len, "\"ph\"") && contains(data, len, "\"ts\"")))
            return CHROME_TRACE;
        return JSON;
    }
    if (tlen && t[0] == '<') {
        if (contains(data, len, "<svg")) {
            if (!contains(data, len, "flame")) return SVG;
            return contains(data, len, "py-spy") ? SVG_FLAME_PYSPY : SVG_FLAME;
        }
        if (contains(data, len, "<html") || contains(data, len, "<!doctype html"))
            return contains(data, len, "flame") ? HTML_FLAME : HTML;
        return XML;
    }
    if (contains(data, len, "function calls") && contains(data, len, "ncalls")) return TEXT_REPORT;
    if (contains(data, len, "events:") || contains(data, len, "# callgrind format"))
        return CALLGRIND;
    if (contains(data, len, "# austin:")) return AUSTIN;
    if (collapsed_lines(data, len)) {
        /* Austin: "P<pid>;T<thread>;file:function:line;... N" */
        if (data[0] == 'P' && len > 1 && data[1] >= '0' && data[1] <= '9' &&
            contains(data, len, ";T"))
            return AUSTIN;
        /* py-spy: "process 12:\"python x.py\";f (x.py:3);... N" */
        if (contains(data, len, ".py:") && contains(data, len, " (")) return PYSPY_RAW;
        return COLLAPSED;
    }
    return TEXT;
}

const pv_sniffed *pv_sniff(const unsigned char *data, size_t len)
{
    int kind = -1;
    if (len == 0) return NULL;
    if (STARTS("\x1f\x8b"))
        kind = GZIP;
    else if (STARTS("PK\x03\x04"))
        kind = ZIP;
    else if (STARTS("BZh"))
        kind = BZIP2;
    else if (STARTS("\xfd"
                    "7zXZ"))
        kind = XZ;
    else if (STARTS("\x28\xb5\x2f\xfd"))
        kind = ZSTD;
    else if (STARTS("\x7f"
                    "ELF"))
        kind = ELF;
    else if (STARTS("%PDF"))
        kind = PDF;
    else if (STARTS("\x89PNG"))
        kind = PNG;
    else if (STARTS("SQLite format 3"))
        kind = SQLITE;
    else if (STARTS("PERFILE2"))
        kind = PERF;
    else if (len >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5)
        kind = PICKLE;
    else if (looks_like_text(data, len))
        kind = sniff_text(data, len);
    else {
        int shape = protobuf_shape(data, len);
        if (shape) kind = shape == 2 ? PPROF : PROTOBUF;
    }
    return kind < 0 ? NULL : &kinds[kind];
}
