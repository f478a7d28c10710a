#!/usr/bin/env python3
"""Write a cProfile-shaped .prof where one function has many callers.

    python3 tests/e2e/make_many_callers.py OUT [--callers N]

`<built-in function isinstance>` is called from N distinct functions (846 by
default, as in a real run that had 846 callers of isinstance): exec ->
<module> -> main -> group_G (12 of them) -> caller_I -> isinstance. Every
number adds up along the edges the way cProfile's do, so isinstance's
caller edges sum to its cumtime.
"""
import argparse
import marshal


def build(n):
    stats = {}
    exec_k = ('~', 0, '<built-in method builtins.exec>')
    mod_k = ('app.py', 1, '<module>')
    main_k = ('app.py', 10, 'main')
    inst_k = ('~', 0, '<built-in function isinstance>')
    groups = [('lib/group.py', 100 + g, 'group_%d' % g) for g in range(12)]
    callers = [('lib/mod_%d.py' % (i % 40), 10 + i, 'caller_%d' % i) for i in range(n)]
    inst_callers = {}
    group_ct = [0.0] * 12
    group_calls = [0] * 12
    for i, k in enumerate(callers):
        calls = 1 + i % 7
        t_inst = 1e-5 * (1 + (i * 37) % 101)
        tt = 2e-5 * (1 + i % 5)
        ct = tt + t_inst
        g = i % 12
        stats[k] = (calls, calls, tt, ct, {groups[g]: (calls, calls, tt, ct)})
        inst_callers[k] = (calls * 3, calls * 3, t_inst, t_inst)
        group_ct[g] += ct
        group_calls[g] += 1
    nc = sum(v[0] for v in inst_callers.values())
    t = sum(v[2] for v in inst_callers.values())
    stats[inst_k] = (nc, nc, t, t, inst_callers)
    main_ct = 0.0
    for g, k in enumerate(groups):
        tt = 1e-4
        ct = tt + group_ct[g]
        stats[k] = (1, 1, tt, ct, {main_k: (1, 1, tt, ct)})
        main_ct += ct
    main_ct += 1e-3
    stats[main_k] = (1, 1, 1e-3, main_ct, {mod_k: (1, 1, 1e-3, main_ct)})
    mod_ct = main_ct + 1e-3
    stats[mod_k] = (1, 1, 1e-3, mod_ct, {exec_k: (1, 1, 1e-3, mod_ct)})
    stats[exec_k] = (1, 1, 1e-4, mod_ct + 1e-4, {})
    return stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--callers', type=int, default=846)
    a = ap.parse_args()
    with open(a.out, 'wb') as f:
        marshal.dump(build(a.callers), f)


if __name__ == '__main__':
    main()
