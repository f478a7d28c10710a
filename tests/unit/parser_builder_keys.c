/* Tests of the builder's added keys (pv_builder_add_key, merged in finish)
 * and of callers given twice in one entry, against a plain model of
 * pstats' dicts: the last entry of a key wins, callers included; a caller
 * given twice keeps its first place and takes the last numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"

#define NKEYS 40
#define MAX_CALLERS 64

typedef struct key {
    const char *file; /* from pv_builder_intern_file */
    int64_t line;
    char name[32];
} key;

static void make_keys(pv_builder *b, key *keys, size_t n)
{
    static const char *const files[] = {"a.py", "b.py", "~"};
    pv_error err;
    for (size_t k = 0; k < n; k++) {
        const char *file = files[k % 3];
        keys[k].file = pv_builder_intern_file(b, file, strlen(file), &err);
        assert_non_null(keys[k].file);
        keys[k].line = (int64_t)(k / 6); /* shared lines, names and files, never all three */
        snprintf(keys[k].name, sizeof keys[k].name, "f%u", (unsigned)(k / 2));
    }
}

/* The id the builder gives key k, by the way chosen. */
static uint32_t use_key(pv_builder *b, const key *keys, size_t k, bool add)
{
    pv_error err;
    const key *x = &keys[k];
    int64_t id =
        add ? pv_builder_add_key(b, x->file, x->line, x->name, strlen(x->name), &err)
            : pv_builder_intern_in_file(b, x->file, x->line, x->name, strlen(x->name), &err);
    assert_true(id >= 0);
    return (uint32_t)id;
}

static void added_keys_get_the_ids_of_interned_ones(void **state)
{
    (void)state;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    pv_error err;
    const char *a = pv_builder_intern_file(b, "a.py", 4, &err);
    const char *c = pv_builder_intern_file(b, "c.py", 4, &err);
    int64_t f = pv_builder_add_key(b, a, 1, "f", 1, &err);
    int64_t g = pv_builder_add_key(b, a, 2, "f", 1, &err);
    int64_t f_again = pv_builder_add_key(b, a, 1, "f", 1, &err);
    int64_t h = pv_builder_add_key(b, c, 1, "f", 1, &err);
    int64_t g_again = pv_builder_add_key(b, a, 2, "f", 1, &err);
    assert_int_equal(f, 0);
    assert_int_equal(g, 1);
    assert_int_equal(f_again, 2); /* a new id every time... */
    assert_int_equal(h, 3);
    assert_int_equal(g_again, 4);
    assert_int_equal(pv_builder_begin_entry(b, (uint32_t)f, 1, 1, 0.5, 0.5, &err), 0);
    assert_int_equal(pv_builder_add_caller(b, (uint32_t)h, 1, 1, 0.5, 0.5, &err), 0);
    assert_int_equal(pv_builder_begin_entry(b, (uint32_t)f_again, 3, 2, 0.25, 1.0, &err), 0);
    assert_int_equal(pv_builder_add_caller(b, (uint32_t)g_again, 3, 2, 0.25, 1.0, &err), 0);
    assert_int_equal(pv_builder_begin_entry(b, (uint32_t)g, 3, 3, 0.75, 0.75, &err), 0);
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    /* ...and one id per key after finish, in order of first appearance. */
    assert_int_equal(p->nfunctions, 3);
    assert_string_equal(p->functions[2].file, "c.py");
    /* f's last entry won, with its callers. */
    assert_int_equal(p->functions[0].ncalls, 3);
    assert_int_equal(p->functions[0].pcalls, 2);
    assert_true(p->functions[0].cumtime == 1.0);
    assert_int_equal(p->functions[0].ncallers, 1);
    assert_int_equal(p->edges[p->functions[0].first_caller].caller, 1);
    assert_int_equal(p->functions[1].ncallees, 1);
    assert_false(p->functions[2].listed);
    assert_true(p->total_time == 1.0); /* f once (its last numbers), then g */
    pv_profile_free(p);
}

static void added_keys_refuse_names_with_a_nul_byte(void **state)
{
    (void)state;
    pv_builder *b = pv_builder_new();
    pv_error err;
    const char *a = pv_builder_intern_file(b, "a.py", 4, &err);
    assert_int_equal(pv_builder_add_key(b, a, 1, "f\0x", 3, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    pv_builder_free(b);
}

/* The plain model: what pstats makes of the same calls. */
typedef struct model_caller {
    size_t key;
    int64_t ncalls;
    double tottime;
} model_caller;

typedef struct model_entry {
    bool listed;
    size_t first_entry; /* the order pstats sums tottime in */
    int64_t ncalls;
    double tottime;
    model_caller callers[MAX_CALLERS];
    size_t ncallers;
} model_entry;

/* How a random run picks its entries and callers. */
typedef enum run_kind {
    ANY_ENTRIES,   /* keys may have several entries, callers repeat */
    ONCE_DISTINCT, /* one entry per key at most, no caller twice in one entry */
    ONCE_REPEATS,  /* one entry per key at most, callers may repeat */
} run_kind;

/* One random run, made twice (keys interned, keys added) and checked against
 * the model. With interned keys and a run of kind ONCE_DISTINCT, finish()
 * keeps the edges as they came; ONCE_REPEATS finds a repeat part of the way
 * through them and squeezes them after all. */
static void check_random_run(unsigned seed, run_kind kind)
{
    srand(seed);
    pv_builder *made[2];
    key keys[2][NKEYS];
    model_entry model[NKEYS];
    memset(model, 0, sizeof model);
    size_t first_seen[NKEYS], order[NKEYS], nseen = 0;
    for (size_t k = 0; k < NKEYS; k++)
        first_seen[k] = SIZE_MAX;
    for (int way = 0; way < 2; way++) {
        made[way] = pv_builder_new();
        assert_non_null(made[way]);
        make_keys(made[way], keys[way], NKEYS);
    }
    size_t perm[NKEYS];
    for (size_t k = 0; k < NKEYS; k++)
        perm[k] = k;
    for (size_t k = NKEYS - 1; k > 0; k--) {
        size_t j = (size_t)rand() % (k + 1), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
    size_t nentries = 1 + (size_t)rand() % (kind == ANY_ENTRIES ? 60 : NKEYS), entry_number = 0;
    for (size_t e = 0; e < nentries; e++) {
        size_t k = kind == ANY_ENTRIES ? (size_t)rand() % NKEYS : perm[e],
               ncallers = (size_t)rand() % 3 ? (size_t)rand() % 4 : (size_t)rand() % 40;
        size_t pool[NKEYS];
        for (size_t i = 0; i < NKEYS; i++)
            pool[i] = i;
        int64_t nc = 1 + rand() % 9;
        double tt = (rand() % 100) / 8.0;
        if (first_seen[k] == SIZE_MAX) {
            first_seen[k] = nseen;
            order[nseen++] = k;
        }
        model_entry *m = &model[k];
        if (!m->listed) m->first_entry = entry_number;
        entry_number++;
        m->listed = true;
        m->ncalls = nc;
        m->tottime = tt;
        m->ncallers = 0;
        size_t callers[40];
        for (size_t i = 0; i < ncallers; i++) {
            if (kind == ONCE_DISTINCT) { /* drawn without putting back */
                size_t j = i + (size_t)rand() % (NKEYS - i), t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
                callers[i] = pool[i];
            } else {
                /* Few distinct callers in a large group, so that repeats come. */
                callers[i] = (size_t)rand() % (ncallers > 8 ? 12 : NKEYS);
            }
            if (first_seen[callers[i]] == SIZE_MAX) {
                first_seen[callers[i]] = nseen;
                order[nseen++] = callers[i];
            }
            int64_t cn = 1 + rand() % 5;
            double ct = (rand() % 100) / 16.0;
            size_t at = 0;
            while (at < m->ncallers && m->callers[at].key != callers[i])
                at++;
            if (at == m->ncallers) m->ncallers++;
            m->callers[at] = (model_caller){callers[i], cn, ct};
            callers[i] |= (size_t)cn << 16 | (size_t)(ct * 16) << 32;
        }
        for (int way = 0; way < 2; way++) {
            pv_error err;
            /* The key is used afresh each time, as the pstats reader does. */
            uint32_t id = use_key(made[way], keys[way], k, way == 1);
            assert_int_equal(pv_builder_begin_entry(made[way], id, nc, nc, tt, tt, &err), 0);
            for (size_t i = 0; i < ncallers; i++) {
                size_t ck = callers[i] & 0xffff;
                int64_t cn = (int64_t)(callers[i] >> 16 & 0xffff);
                double ct = (double)(callers[i] >> 32) / 16.0;
                uint32_t cid = use_key(made[way], keys[way], ck, way == 1);
                assert_int_equal(pv_builder_add_caller(made[way], cid, cn, cn, ct, ct, &err), 0);
            }
        }
    }

    double total = 0;
    for (size_t n = 0; n < entry_number; n++)
        for (size_t k = 0; k < NKEYS; k++)
            if (model[k].listed && model[k].first_entry == n) total += model[k].tottime;

    for (int way = 0; way < 2; way++) {
        pv_error err;
        pv_profile *p = pv_builder_finish(made[way], &err);
        assert_non_null(p);
        assert_int_equal(p->nfunctions, nseen);
        assert_true(p->total_time == total);
        for (uint32_t id = 0; id < p->nfunctions; id++) {
            const pv_function *f = &p->functions[id];
            const model_entry *m = &model[order[id]];
            assert_string_equal(f->name, keys[way][order[id]].name);
            assert_int_equal(f->line, keys[way][order[id]].line);
            assert_int_equal(f->listed, m->listed);
            if (!m->listed) continue;
            assert_int_equal(f->ncalls, m->ncalls);
            assert_true(f->tottime == m->tottime);
            assert_int_equal(f->ncallers, m->ncallers);
            int64_t accounted = 0;
            for (uint32_t i = 0; i < f->ncallers; i++) {
                const pv_edge *e = &p->edges[f->first_caller + i];
                assert_int_equal(e->callee, id);
                assert_int_equal(order[e->caller], m->callers[i].key);
                assert_int_equal(e->ncalls, m->callers[i].ncalls);
                assert_true(e->cumtime == m->callers[i].tottime);
                accounted += m->callers[i].ncalls;
            }
            assert_int_equal(f->external_calls,
                             m->ncalls - (accounted > m->ncalls ? m->ncalls : accounted));
            assert_int_equal(f->is_root, f->ncallers == 0 || f->external_calls > 0);
        }
        /* Every edge is once among its caller's callees. */
        uint32_t listed = 0;
        for (uint32_t id = 0; id < p->nfunctions; id++) {
            const pv_function *f = &p->functions[id];
            for (uint32_t i = 0; i < f->ncallees; i++)
                assert_int_equal(p->edges[p->callee_edges[f->first_callee + i]].caller, id);
            listed += f->ncallees;
        }
        assert_int_equal(listed, p->nedges);
        pv_profile_free(p);
    }
}

static void added_and_interned_keys_make_what_pstats_makes(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 300; seed++)
        check_random_run(seed, ANY_ENTRIES);
}

static void one_entry_per_key_keeps_or_squeezes_the_edges_as_pstats_would(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 300; seed++) {
        check_random_run(seed, ONCE_DISTINCT);
        check_random_run(seed, ONCE_REPEATS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(added_keys_get_the_ids_of_interned_ones),
        cmocka_unit_test(added_keys_refuse_names_with_a_nul_byte),
        cmocka_unit_test(added_and_interned_keys_make_what_pstats_makes),
        cmocka_unit_test(one_entry_per_key_keeps_or_squeezes_the_edges_as_pstats_would),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
