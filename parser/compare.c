/* compare.c: pairing the functions of two profiles (see compare.h).
 *
 * The rules, in the order they are applied; a function paired by one is not
 * looked at again:
 * 1. Relative path. A file's relative path starts after the last package
 *    marker among its folders: "site-packages" or "dist-packages", a
 *    "pythonX[.Y]" folder inside "lib" or "lib64" (lib/python3.11/), or a
 *    "Lib" folder inside "PythonXY" (Windows' C:\Python311\Lib\); case does
 *    not matter in markers. A file without a marker, with a folder in its
 *    name and not "<...>" (frozen modules, "<string>") or "~" (C functions),
 *    is one of the profile's own files: its relative path starts after the
 *    longest run of whole folders common to all of them. Other files are
 *    their own relative path. Paths compare with '\' and '/' alike.
 *    Functions with the same name and relative path form a group; one of
 *    each side is a pair; with several, the two sides sorted by line are
 *    paired in order, as many as possible, the sum of squared line
 *    distances the least (so an edit that shifts every function of a file
 *    by ten lines keeps each paired with itself). Kind: "same" when file
 *    and line are equal too, "path" when the line is, else "line".
 * 2. C functions (file "~", or "" from the profile module, line 0): the name
 *    without "<built-in method ...>", "<built-in function ...>" or "<...>"
 *    and without a "builtins." or "__builtin__." prefix or an " at 0x..."
 *    address at the end (of a type object); paired only when
 *    exactly one of each side has it. Kind "builtin".
 * 3. Suffix: functions of one name where one relative path ends with the
 *    other at a folder boundary ("app/main.py" and "main.py": one profile had
 *    files outside the project), paired only when neither has another such
 *    candidate. Kind "suffix".
 * Whatever is left is "base_only" or "new_only".
 */
#include "compare.h"

#include "compare_paths.h"

#include <stdlib.h>
#include <string.h>

/* The dynamic program of rule 1 is bounded: a group of more than this many
 * pairs of candidates is paired in line order instead. */
#define PV_COMPARE_MAX_DP_CELLS ((size_t)1 << 20)

typedef struct side {
    const pv_profile *p;
    pv_cmp_files f;    /* the distinct files and their relative paths */
    uint32_t *partner; /* [nfunctions]: the other side's id, or PV_COMPARE_NONE */
    uint8_t *kind;     /* [nfunctions]: pv_match of the pair */
    uint32_t *next;    /* [nfunctions]: next member of the same group */
} side;

typedef struct ctx {
    side s[2]; /* 0: BASE, 1: NEW */
    pv_error *err;
} ctx;

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- Keys --------------------------------------------------------------- */

typedef enum key_kind { KEY_PATH, KEY_BUILTIN, KEY_BASENAME } key_kind;

/* A key as a few byte ranges: separators compare alike. */
typedef struct key {
    const char *name;
    size_t name_len;
    const char *path; /* NULL for KEY_BUILTIN */
    size_t path_len;
} key;

static bool is_c_function(const pv_function *f)
{
    return f->line == 0 && (f->file[0] == '\0' || strcmp(f->file, "~") == 0);
}

/* The name of a C function without its spelling (rule 2). */
static void builtin_name(const char *name, const char **out, size_t *len)
{
    size_t n = strlen(name);
    static const char *const wraps[] = {"<built-in method ", "<built-in function "};
    bool unwrapped = false;
    for (size_t w = 0; w < 2 && !unwrapped; w++) {
        size_t k = strlen(wraps[w]);
        if (n > k + 1 && strncmp(name, wraps[w], k) == 0 && name[n - 1] == '>') {
            name += k;
            n -= k + 1;
            unwrapped = true;
        }
    }
    if (!unwrapped && n > 2 && name[0] == '<' && name[n - 1] == '>' && !memchr(name, ' ', n)) {
        name++;
        n -= 2;
    }
    /* "<built-in method __new__ of type object at 0x7f...>": the address
     * changes from run to run. */
    size_t h = n;
    while (h > 0 && ((name[h - 1] >= '0' && name[h - 1] <= '9') ||
                     (lower(name[h - 1]) >= 'a' && lower(name[h - 1]) <= 'f')))
        h--;
    if (h < n && h >= 6 && memcmp(name + h - 6, " at 0x", 6) == 0) n = h - 6;
    static const char *const modules[] = {"builtins.", "__builtin__."};
    for (size_t m = 0; m < 2; m++) {
        size_t k = strlen(modules[m]);
        if (n > k && strncmp(name, modules[m], k) == 0) {
            name += k;
            n -= k;
            break;
        }
    }
    *out = name;
    *len = n;
}

static key key_of(const ctx *c, int s, uint32_t id, key_kind kind)
{
    const pv_function *f = &c->s[s].p->functions[id];
    key k = {f->name, strlen(f->name), NULL, 0};
    const pv_cmp_files *pf = &c->s[s].f;
    const char *rel = f->file + pf->rel[pf->file_of[id]];
    size_t rel_len = strlen(rel);
    if (kind == KEY_PATH) {
        k.path = rel;
        k.path_len = rel_len;
    } else if (kind == KEY_BASENAME) {
        const char *last = f->file + pf->last[pf->file_of[id]];
        k.path = last;
        k.path_len = rel_len - (size_t)(last - rel);
    } else {
        builtin_name(f->name, &k.name, &k.name_len);
    }
    return k;
}

/* The key hash of function id of side s under rule kind. */
static uint64_t key_hash_of(const ctx *c, int s, uint32_t id, key_kind kind)
{
    const pv_function *f = &c->s[s].p->functions[id];
    const pv_cmp_files *pf = &c->s[s].f;
    if (kind == KEY_BUILTIN) {
        key k = key_of(c, s, id, kind);
        return pv_cmp_hash(PV_CMP_HASH_SEED, k.name, k.name_len, false);
    }
    uint64_t h = pv_cmp_hash(PV_CMP_HASH_SEED, f->name, strlen(f->name), false);
    uint64_t ph = kind == KEY_PATH ? pf->rel_hash[pf->file_of[id]] : pf->last_hash[pf->file_of[id]];
    return (h ^ (ph + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2))) *
           UINT64_C(0x100000001b3);
}

static bool key_equal(const key *a, const key *b)
{
    return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0 &&
           a->path_len == b->path_len &&
           (!a->path || pv_cmp_same_path(a->path, b->path, a->path_len));
}

/* True when one path ends with the other at a folder boundary. */
static bool suffix_related(const char *a, size_t na, const char *b, size_t nb)
{
    if (na < nb) {
        const char *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    return pv_cmp_same_path(a + (na - nb), b, nb) && (na == nb || pv_cmp_is_sep(a[na - nb - 1]));
}

/* ---- Pairing within a group ---------------------------------------------- */

typedef struct member {
    uint32_t id;
    int64_t line;
} member;

static int member_cmp(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static void set_pair(ctx *c, uint32_t b, uint32_t n, pv_match kind)
{
    if (kind == PV_MATCH_LINE || kind == PV_MATCH_SAME || kind == PV_MATCH_PATH) {
        const pv_function *fb = &c->s[0].p->functions[b], *fn = &c->s[1].p->functions[n];
        if (fb->line != fn->line)
            kind = PV_MATCH_LINE;
        else
            kind = strcmp(fb->file, fn->file) == 0 ? PV_MATCH_SAME : PV_MATCH_PATH;
    }
    c->s[0].partner[b] = n;
    c->s[1].partner[n] = b;
    c->s[0].kind[b] = c->s[1].kind[n] = (uint8_t)kind;
}

static bool compatible(const ctx *c, uint32_t b, uint32_t n, key_kind kind)
{
    if (kind != KEY_BASENAME) return true;
    const pv_function *fb = &c->s[0].p->functions[b], *fn = &c->s[1].p->functions[n];
    const pv_cmp_files *f0 = &c->s[0].f, *f1 = &c->s[1].f;
    const char *rb = fb->file + f0->rel[f0->file_of[b]], *rn = fn->file + f1->rel[f1->file_of[n]];
    return suffix_related(rb, strlen(rb), rn, strlen(rn));
}

typedef struct cell {
    uint32_t count;
    double cost;
} cell;

/* Pairs B[0..nb) with N[0..nn) (both sorted by line) in order: as many pairs
 * as possible, then the least sum of squared line distances. Returns 0, or
 * -1 when out of memory. */
static int pair_in_order(ctx *c, const member *B, size_t nb, const member *N, size_t nn,
                         key_kind kind, pv_match match)
{
    if ((nb + 1) * (nn + 1) > PV_COMPARE_MAX_DP_CELLS) {
        size_t n = nb < nn ? nb : nn;
        for (size_t i = 0; i < n; i++)
            if (compatible(c, B[i].id, N[i].id, kind)) set_pair(c, B[i].id, N[i].id, match);
        return 0;
    }
    size_t w = nn + 1;
    cell *dp = malloc((nb + 1) * w * sizeof *dp);
    if (!dp) return pv_fail(c->err, PV_ERR_NOMEM, -1, "out of memory");
    /* dp[i][j]: the best pairing of B[i..] with N[j..]. */
    for (size_t i = nb + 1; i-- > 0;) {
        for (size_t j = nn + 1; j-- > 0;) {
            cell best = {0, 0};
            if (i < nb && j < nn) {
                cell skip_b = dp[(i + 1) * w + j], skip_n = dp[i * w + j + 1];
                best = skip_b.count > skip_n.count ||
                               (skip_b.count == skip_n.count && skip_b.cost <= skip_n.cost)
                           ? skip_b
                           : skip_n;
                if (compatible(c, B[i].id, N[j].id, kind)) {
                    double d = (double)B[i].line - (double)N[j].line;
                    cell take = dp[(i + 1) * w + j + 1];
                    take.count++;
                    take.cost += d * d;
                    if (take.count > best.count ||
                        (take.count == best.count && take.cost < best.cost))
                        best = take;
                }
            }
            dp[i * w + j] = best;
        }
    }
    size_t i = 0, j = 0;
    while (i < nb && j < nn) {
        cell here = dp[i * w + j];
        if (compatible(c, B[i].id, N[j].id, kind)) {
            double d = (double)B[i].line - (double)N[j].line;
            cell take = dp[(i + 1) * w + j + 1];
            if (take.count + 1 == here.count && take.cost + d * d == here.cost) {
                set_pair(c, B[i].id, N[j].id, match);
                i++;
                j++;
                continue;
            }
        }
        cell skip_b = dp[(i + 1) * w + j];
        if (skip_b.count == here.count && skip_b.cost == here.cost)
            i++;
        else
            j++;
    }
    free(dp);
    return 0;
}

/* ---- Grouping -------------------------------------------------------------- */

/* A hash table slot: the key hash and its group (UINT32_MAX: empty). */
typedef struct slot {
    uint64_t hash;
    uint32_t group;
} slot;

typedef struct group {
    uint32_t head[2], tail[2], count[2];
    int rep_side;
    uint32_t rep_id;
} group;

/* Pairs the members of g that are compatible with exactly one member of the
 * other side, which is compatible with them only (rule 3: a guess between
 * two files is no match). */
static void pair_unique(ctx *c, const group *g)
{
    for (uint32_t b = g->head[0]; b != PV_COMPARE_NONE; b = c->s[0].next[b]) {
        uint32_t only = PV_COMPARE_NONE, found = 0;
        for (uint32_t n = g->head[1]; n != PV_COMPARE_NONE && found < 2; n = c->s[1].next[n])
            if (compatible(c, b, n, KEY_BASENAME)) only = n, found++;
        if (found != 1) continue;
        found = 0;
        for (uint32_t o = g->head[0]; o != PV_COMPARE_NONE && found < 2; o = c->s[0].next[o])
            found += compatible(c, o, only, KEY_BASENAME);
        if (found == 1) set_pair(c, b, only, PV_MATCH_SUFFIX);
    }
}

static bool candidate(const ctx *c, int s, uint32_t id, key_kind kind)
{
    if (c->s[s].partner[id] != PV_COMPARE_NONE) return false;
    bool cf = is_c_function(&c->s[s].p->functions[id]);
    return kind == KEY_BUILTIN ? cf : kind == KEY_PATH || !cf;
}

/* Groups the unpaired candidates of both sides by key and pairs each group.
 * Returns 0, or -1 when out of memory. */
static int pair_by_key(ctx *c, key_kind kind, pv_match match)
{
    size_t n = 0;
    for (int s = 0; s < 2; s++)
        for (uint32_t id = 0; id < c->s[s].p->nfunctions; id++)
            n += candidate(c, s, id, kind);
    if (n == 0) return 0;
    size_t cap = 16;
    while (cap < 2 * n)
        cap <<= 1;
    slot *slots = malloc(cap * sizeof *slots);
    group *groups = malloc(n * sizeof *groups);
    member *buf = NULL;
    size_t buf_cap = 0;
    if (!slots || !groups) goto oom;
    for (size_t i = 0; i < cap; i++)
        slots[i].group = UINT32_MAX;
    size_t ngroups = 0;
    for (int s = 0; s < 2; s++) {
        for (uint32_t id = 0; id < c->s[s].p->nfunctions; id++) {
            if (!candidate(c, s, id, kind)) continue;
            uint64_t h = key_hash_of(c, s, id, kind);
            size_t at = (size_t)(h >> 20) & (cap - 1);
            group *g = NULL;
            while (slots[at].group != UINT32_MAX) {
                if (slots[at].hash == h) {
                    group *o = &groups[slots[at].group];
                    key k = key_of(c, s, id, kind), ok = key_of(c, o->rep_side, o->rep_id, kind);
                    if (key_equal(&k, &ok)) {
                        g = o;
                        break;
                    }
                }
                at = (at + 1) & (cap - 1);
            }
            if (!g) {
                slots[at] = (slot){h, (uint32_t)ngroups};
                g = &groups[ngroups++];
                *g = (group){{PV_COMPARE_NONE, PV_COMPARE_NONE},
                             {PV_COMPARE_NONE, PV_COMPARE_NONE},
                             {0, 0},
                             s,
                             id};
            }
            c->s[s].next[id] = PV_COMPARE_NONE;
            if (g->tail[s] == PV_COMPARE_NONE)
                g->head[s] = id;
            else
                c->s[s].next[g->tail[s]] = id;
            g->tail[s] = id;
            g->count[s]++;
        }
    }
    for (size_t gi = 0; gi < ngroups; gi++) {
        group *g = &groups[gi];
        if (!g->count[0] || !g->count[1]) continue;
        if (g->count[0] == 1 && g->count[1] == 1) {
            if (compatible(c, g->head[0], g->head[1], kind))
                set_pair(c, g->head[0], g->head[1], match);
            continue;
        }
        if (kind == KEY_BUILTIN) continue; /* ambiguous: leave them apart */
        if (kind == KEY_BASENAME) {
            pair_unique(c, g);
            continue;
        }
        size_t need = (size_t)g->count[0] + g->count[1];
        if (need > buf_cap) {
            member *nb = realloc(buf, need * sizeof *buf);
            if (!nb) goto oom;
            buf = nb;
            buf_cap = need;
        }
        size_t k = 0;
        for (int s = 0; s < 2; s++)
            for (uint32_t id = g->head[s]; id != PV_COMPARE_NONE; id = c->s[s].next[id])
                buf[k++] = (member){id, c->s[s].p->functions[id].line};
        qsort(buf, g->count[0], sizeof *buf, member_cmp);
        qsort(buf + g->count[0], g->count[1], sizeof *buf, member_cmp);
        if (pair_in_order(c, buf, g->count[0], buf + g->count[0], g->count[1], kind, match) < 0)
            goto fail;
    }
    free(buf);
    free(slots);
    free(groups);
    return 0;
oom:
    pv_fail(c->err, PV_ERR_NOMEM, -1, "out of memory");
fail:
    free(buf);
    free(slots);
    free(groups);
    return -1;
}

/* ---- The comparison ---------------------------------------------------------- */

void pv_compare_free(pv_compare *cmp)
{
    if (!cmp) return;
    free(cmp->rows);
    free(cmp->row_of_base);
    free(cmp->row_of_new);
    free(cmp);
}

int pv_compare_build(const pv_profile *base, const pv_profile *new_p, pv_compare **out,
                     pv_error *err)
{
    *out = NULL;
    ctx c = {.err = err};
    c.s[0].p = base;
    c.s[1].p = new_p;
    pv_compare *cmp = calloc(1, sizeof *cmp);
    bool ok = cmp != NULL;
    for (int s = 0; s < 2 && ok; s++) {
        size_t n = c.s[s].p->nfunctions ? c.s[s].p->nfunctions : 1;
        c.s[s].partner = malloc(n * sizeof *c.s[s].partner);
        c.s[s].kind = malloc(n);
        c.s[s].next = malloc(n * sizeof *c.s[s].next);
        ok = c.s[s].partner && c.s[s].kind && c.s[s].next;
        if (ok) memset(c.s[s].partner, 0xff, n * sizeof *c.s[s].partner);
        if (ok && pv_cmp_files_find(c.s[s].p, &c.s[s].f, err) < 0) goto fail;
    }
    if (ok) {
        cmp->nbase = base->nfunctions;
        cmp->nnew = new_p->nfunctions;
        cmp->row_of_base = malloc((base->nfunctions ? base->nfunctions : 1) * sizeof(uint32_t));
        cmp->row_of_new = malloc((new_p->nfunctions ? new_p->nfunctions : 1) * sizeof(uint32_t));
        cmp->rows = malloc(((size_t)base->nfunctions + new_p->nfunctions + 1) * sizeof *cmp->rows);
        ok = cmp->row_of_base && cmp->row_of_new && cmp->rows;
    }
    if (!ok) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    if (pair_by_key(&c, KEY_PATH, PV_MATCH_SAME) < 0 ||
        pair_by_key(&c, KEY_BUILTIN, PV_MATCH_BUILTIN) < 0 ||
        pair_by_key(&c, KEY_BASENAME, PV_MATCH_SUFFIX) < 0)
        goto fail;

    size_t r = 0;
    for (uint32_t id = 0; id < new_p->nfunctions; id++) {
        uint32_t b = c.s[1].partner[id];
        pv_match m = b == PV_COMPARE_NONE ? PV_MATCH_NEW_ONLY : (pv_match)c.s[1].kind[id];
        cmp->rows[r] = (pv_compare_row){b, id, m};
        cmp->row_of_new[id] = (uint32_t)r;
        if (b != PV_COMPARE_NONE) cmp->row_of_base[b] = (uint32_t)r;
        cmp->counts[m]++;
        r++;
    }
    for (uint32_t id = 0; id < base->nfunctions; id++) {
        if (c.s[0].partner[id] != PV_COMPARE_NONE) continue;
        cmp->rows[r] = (pv_compare_row){id, PV_COMPARE_NONE, PV_MATCH_BASE_ONLY};
        cmp->row_of_base[id] = (uint32_t)r;
        cmp->counts[PV_MATCH_BASE_ONLY]++;
        r++;
    }
    cmp->nrows = r;
    *out = cmp;
    cmp = NULL;
fail:
    for (int s = 0; s < 2; s++) {
        pv_cmp_files_free(&c.s[s].f);
        free(c.s[s].partner);
        free(c.s[s].kind);
        free(c.s[s].next);
    }
    pv_compare_free(cmp);
    return *out ? 0 : -1;
}

bool pv_compare_fits(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p)
{
    return cmp->nbase == base->nfunctions && cmp->nnew == new_p->nfunctions;
}

const char *pv_match_name(pv_match match)
{
    static const char *const names[PV_MATCH_COUNT] = {
        [PV_MATCH_SAME] = "same",         [PV_MATCH_PATH] = "path",
        [PV_MATCH_LINE] = "line",         [PV_MATCH_BUILTIN] = "builtin",
        [PV_MATCH_SUFFIX] = "suffix",     [PV_MATCH_BASE_ONLY] = "base_only",
        [PV_MATCH_NEW_ONLY] = "new_only",
    };
    return (unsigned)match < PV_MATCH_COUNT ? names[match] : "?";
}
