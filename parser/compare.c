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

/* ---- Keys --------------------------------------------------------------- */

typedef enum key_kind { KEY_PATH, KEY_BUILTIN, KEY_BASENAME } key_kind;

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
    return pv_cmp_suffix_related(rb, strlen(rb), rn, strlen(rn));
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

/* A group: the functions of both sides with one key, as lists through
 * side.next in id order. */
typedef struct group {
    uint32_t head[2], tail[2], count[2];
    const char *rep_name; /* the name part of the key, rep_len bytes */
    uint32_t rep_len;
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
    bool cf = pv_cmp_is_c_function(&c->s[s].p->functions[id]);
    return kind == KEY_BUILTIN ? cf : kind == KEY_PATH || !cf;
}

/* The folder part of a key: the relative path (KEY_PATH), its last component
 * (KEY_BASENAME), nothing (KEY_BUILTIN). Functions whose files share it form
 * a class; a group never spans two classes, so each class is grouped by name
 * alone, in a table small enough to stay in the cache. */
static void file_part(const ctx *c, int s, uint32_t file, key_kind kind, const char **part,
                      size_t *len, uint64_t *hash)
{
    const pv_cmp_files *pf = &c->s[s].f;
    const char *name = pf->name[file];
    const char *rel = name + pf->rel[file];
    if (kind == KEY_PATH) {
        *part = rel;
        *hash = pf->rel_hash[file];
    } else {
        *part = name + pf->last[file];
        *hash = pf->last_hash[file];
    }
    *len = strlen(*part);
}

typedef struct cls_slot {
    uint64_t hash;
    uint32_t cls; /* UINT32_MAX: empty */
    int side;
    uint32_t file; /* a file of the class (its representative) */
} cls_slot;

/* Sets cls_of[s][file] to the class of every file of both sides under kind
 * and returns the number of classes, or -1 when out of memory. */
static long classes_of(const ctx *c, key_kind kind, uint32_t *cls_of[2])
{
    if (kind == KEY_BUILTIN) {
        for (int s = 0; s < 2; s++)
            memset(cls_of[s], 0, (c->s[s].f.nfiles ? c->s[s].f.nfiles : 1) * sizeof *cls_of[s]);
        return 1;
    }
    size_t cap = 16;
    while (cap < 2 * ((size_t)c->s[0].f.nfiles + c->s[1].f.nfiles))
        cap <<= 1;
    cls_slot *slots = malloc(cap * sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < cap; i++)
        slots[i].cls = UINT32_MAX;
    long n = 0;
    for (int s = 0; s < 2; s++) {
        for (uint32_t f = 0; f < c->s[s].f.nfiles; f++) {
            const char *part, *other;
            size_t len, olen;
            uint64_t h, oh;
            file_part(c, s, f, kind, &part, &len, &h);
            size_t at = (size_t)(h >> 20) & (cap - 1);
            for (;; at = (at + 1) & (cap - 1)) {
                cls_slot *sl = &slots[at];
                if (sl->cls == UINT32_MAX) {
                    *sl = (cls_slot){h, (uint32_t)n++, s, f};
                    break;
                }
                if (sl->hash != h) continue;
                file_part(c, sl->side, sl->file, kind, &other, &olen, &oh);
                if (olen == len && pv_cmp_same_path(part, other, len)) break;
            }
            cls_of[s][f] = slots[at].cls;
        }
    }
    free(slots);
    return n;
}

/* The name part of a key. */
static void name_part(const ctx *c, int s, uint32_t id, key_kind kind, const char **name,
                      size_t *len)
{
    const char *full = c->s[s].p->functions[id].name;
    if (kind == KEY_BUILTIN) {
        pv_cmp_builtin_name(full, name, len);
    } else {
        *name = full;
        *len = strlen(full);
    }
}

/* A slot of a class's name table: the name hash and its group. */
typedef struct slot {
    uint64_t hash;
    uint32_t group; /* UINT32_MAX: empty */
} slot;

/* Pairs the members of group g (both sides present) under kind. Returns 0,
 * or -1 when out of memory. */
static int pair_group(ctx *c, const group *g, key_kind kind, pv_match match, member **buf,
                      size_t *buf_cap)
{
    if (g->count[0] == 1 && g->count[1] == 1) {
        if (compatible(c, g->head[0], g->head[1], kind)) set_pair(c, g->head[0], g->head[1], match);
        return 0;
    }
    if (kind == KEY_BUILTIN) return 0; /* ambiguous: leave them apart */
    if (kind == KEY_BASENAME) {
        pair_unique(c, g);
        return 0;
    }
    size_t need = (size_t)g->count[0] + g->count[1];
    if (need > *buf_cap) {
        member *nb = realloc(*buf, need * sizeof *nb);
        if (!nb) return pv_fail(c->err, PV_ERR_NOMEM, -1, "out of memory");
        *buf = nb;
        *buf_cap = need;
    }
    member *m = *buf;
    size_t k = 0;
    for (int s = 0; s < 2; s++)
        for (uint32_t id = g->head[s]; id != PV_COMPARE_NONE; id = c->s[s].next[id])
            m[k++] = (member){id, c->s[s].p->functions[id].line};
    qsort(m, g->count[0], sizeof *m, member_cmp);
    qsort(m + g->count[0], g->count[1], sizeof *m, member_cmp);
    return pair_in_order(c, m, g->count[0], m + g->count[0], g->count[1], kind, match);
}

/* A candidate with its name part and that part's hash, computed in id
 * order (the profile's tables are read front to back, not per class). */
typedef struct cand {
    uint64_t hash;
    const char *name;
    uint32_t id, len;
} cand;

/* The candidates of side s in class order, each class's in id order:
 * members[start[k] .. start[k + 1]) are class k's. */
typedef struct bucket {
    uint32_t *start; /* [nclasses + 2] */
    cand *members;
} bucket;

static int bucket_side(const ctx *c, int s, key_kind kind, const uint32_t *cls_of, size_t ncls,
                       bucket *b)
{
    const pv_cmp_files *pf = &c->s[s].f;
    b->start = calloc(ncls + 2, sizeof *b->start);
    if (!b->start) return -1;
    uint32_t n = 0;
    for (uint32_t id = 0; id < c->s[s].p->nfunctions; id++) {
        if (!candidate(c, s, id, kind)) continue;
        b->start[cls_of[pf->file_of[id]] + 2]++;
        n++;
    }
    for (size_t k = 2; k < ncls + 2; k++)
        b->start[k] += b->start[k - 1];
    b->members = malloc((n ? n : 1) * sizeof *b->members);
    if (!b->members) return -1;
    /* start[k + 1] is the fill position of class k while filling; after,
     * start[k] is where class k begins. */
    for (uint32_t id = 0; id < c->s[s].p->nfunctions; id++) {
        if (!candidate(c, s, id, kind)) continue;
        const char *name;
        size_t len;
        name_part(c, s, id, kind, &name, &len);
        b->members[b->start[cls_of[pf->file_of[id]] + 1]++] =
            (cand){pv_cmp_hash(PV_CMP_HASH_SEED, name, len, false), name, id, (uint32_t)len};
    }
    return 0;
}

/* Groups the unpaired candidates of both sides by key and pairs each group.
 * Returns 0, or -1 when out of memory. */
static int pair_by_key(ctx *c, key_kind kind, pv_match match)
{
    uint32_t *cls_of[2] = {NULL, NULL};
    bucket bk[2] = {{NULL, NULL}, {NULL, NULL}};
    slot *slots = NULL;
    group *groups = NULL;
    member *buf = NULL;
    size_t buf_cap = 0, cap = 0;
    int rc = -1;
    for (int s = 0; s < 2; s++)
        cls_of[s] = malloc((c->s[s].f.nfiles ? c->s[s].f.nfiles : 1) * sizeof *cls_of[s]);
    long ncls = cls_of[0] && cls_of[1] ? classes_of(c, kind, cls_of) : -1;
    if (ncls < 0 || bucket_side(c, 0, kind, cls_of[0], (size_t)ncls, &bk[0]) < 0 ||
        bucket_side(c, 1, kind, cls_of[1], (size_t)ncls, &bk[1]) < 0)
        goto oom;
    size_t most = 0; /* the largest class that both sides have */
    for (long k = 0; k < ncls; k++) {
        size_t n0 = bk[0].start[k + 1] - bk[0].start[k], n1 = bk[1].start[k + 1] - bk[1].start[k];
        if (n0 && n1 && n0 + n1 > most) most = n0 + n1;
    }
    if (most == 0) {
        rc = 0;
        goto done;
    }
    cap = 16;
    while (cap < 2 * most)
        cap <<= 1;
    slots = malloc(cap * sizeof *slots);
    groups = malloc(most * sizeof *groups);
    if (!slots || !groups) goto oom;
    for (long k = 0; k < ncls; k++) {
        uint32_t from[2] = {bk[0].start[k], bk[1].start[k]};
        uint32_t to[2] = {bk[0].start[k + 1], bk[1].start[k + 1]};
        size_t n = (size_t)(to[0] - from[0]) + (to[1] - from[1]);
        if (from[0] == to[0] || from[1] == to[1]) continue; /* nothing to pair with */
        size_t kcap = 16;
        while (kcap < 2 * n)
            kcap <<= 1;
        for (size_t i = 0; i < kcap; i++)
            slots[i].group = UINT32_MAX;
        size_t ngroups = 0;
        for (int s = 0; s < 2; s++) {
            for (uint32_t i = from[s]; i < to[s]; i++) {
                const cand *m = &bk[s].members[i];
                uint32_t id = m->id;
                uint64_t h = m->hash;
                size_t at = (size_t)(h >> 20) & (kcap - 1);
                group *g = NULL;
                for (; slots[at].group != UINT32_MAX; at = (at + 1) & (kcap - 1)) {
                    if (slots[at].hash != h) continue;
                    group *o = &groups[slots[at].group];
                    if (o->rep_len == m->len && memcmp(o->rep_name, m->name, m->len) == 0) {
                        g = o;
                        break;
                    }
                }
                if (!g) {
                    if (s == 1) continue; /* a NEW name BASE lacks: no pair */
                    slots[at] = (slot){h, (uint32_t)ngroups};
                    g = &groups[ngroups++];
                    *g = (group){{PV_COMPARE_NONE, PV_COMPARE_NONE},
                                 {PV_COMPARE_NONE, PV_COMPARE_NONE},
                                 {0, 0},
                                 m->name,
                                 m->len};
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
        for (size_t gi = 0; gi < ngroups; gi++)
            if (groups[gi].count[1] && pair_group(c, &groups[gi], kind, match, &buf, &buf_cap) < 0)
                goto done;
    }
    rc = 0;
    goto done;
oom:
    pv_fail(c->err, PV_ERR_NOMEM, -1, "out of memory");
done:
    for (int s = 0; s < 2; s++) {
        free(cls_of[s]);
        free(bk[s].start);
        free(bk[s].members);
    }
    free(buf);
    free(slots);
    free(groups);
    return rc;
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
