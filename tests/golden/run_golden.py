#!/usr/bin/env python3
"""Golden tests: compare `profviz report --json` with what Python's pstats
read from each fixture (tests/golden/*.expected.json, made by
scripts/make_fixtures.py).

    python3 tests/golden/run_golden.py PATH/TO/profviz

Every function, every caller edge, the callees (which must be exactly the
inverse of the callers) and the totals are compared; numbers compare exactly.
Python 3 standard library only.
"""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_DETAILS = 25


def key_string(file, line, name):
    return json.dumps([file, line, name], ensure_ascii=False)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def same(a, b):
    """Exact numeric equality (an int 0 from the profile module equals 0.0)."""
    return is_num(a) and is_num(b) and a == b


def check_edge(problems, where, got, want):
    if isinstance(want, list):
        nc, cc, tt, ct = want
        exp = {'ncalls': nc, 'pcalls': cc, 'tottime': tt, 'cumtime': ct}
    else:                       # profile module: a call count only
        exp = {'ncalls': want, 'pcalls': want, 'tottime': None,
               'cumtime': None}
    for field, value in exp.items():
        have = got.get(field, 'missing')
        if value is None:
            ok = have is None
        elif field in ('ncalls', 'pcalls'):
            ok = is_int(have) and have == value
        else:
            ok = same(have, value)
        if not ok:
            problems.append('%s: %s is %r, pstats says %r'
                            % (where, field, have, value))


def compare(expected, got):
    """Return a list of differences between profviz's JSON and the truth."""
    problems = []
    for field in ('total_calls', 'primitive_calls'):
        if not (is_int(got.get(field)) and got[field] == expected[field]):
            problems.append('%s is %r, pstats says %r'
                            % (field, got.get(field), expected[field]))
    tt, want_tt = got.get('total_time'), expected['total_time']
    if expected['total_time_exact']:
        if not same(tt, want_tt):
            problems.append('total_time is %r, pstats says %r'
                            % (tt, want_tt))
    elif not (is_num(tt) and abs(tt - want_tt) <= 1e-12 * max(1.0, abs(want_tt))):
        # pstats' own sum here runs in an order the file does not fix.
        problems.append('total_time is %r, pstats says %r (beyond rounding)'
                        % (tt, want_tt))

    functions = got.get('functions')
    if not isinstance(functions, list):
        return problems + ['no "functions" list']
    by_id = {}
    by_key = {}
    for f in functions:
        fid = f.get('id')
        k = key_string(f.get('file'), f.get('line'), f.get('name'))
        if fid in by_id:
            problems.append('id %r is used twice' % (fid,))
        if k in by_key:
            problems.append('function %s appears twice' % k)
        by_id[fid] = f
        by_key[k] = f

    want_fns = expected['functions']
    for k in sorted(set(want_fns) - set(by_key)):
        problems.append('function %s is missing' % k)
    for k in sorted(set(by_key) - set(want_fns)):
        problems.append('function %s is not in the profile' % k)

    inverse = {}      # (caller id, callee id) -> edge as listed on the callee
    for k in sorted(set(want_fns) & set(by_key)):
        want, f = want_fns[k], by_key[k]
        for field, wfield in (('ncalls', 'ncalls'), ('pcalls', 'pcalls')):
            if not (is_int(f.get(field)) and f[field] == want[wfield]):
                problems.append('%s: %s is %r, pstats says %r'
                                % (k, field, f.get(field), want[wfield]))
        for field in ('tottime', 'cumtime'):
            if not same(f.get(field), want[field]):
                problems.append('%s: %s is %r, pstats says %r'
                                % (k, field, f.get(field), want[field]))
        got_callers = {}
        for e in f.get('callers') or []:
            c = by_id.get(e.get('id'))
            if c is None:
                problems.append('%s: caller id %r is not a function'
                                % (k, e.get('id')))
                continue
            ck = key_string(c.get('file'), c.get('line'), c.get('name'))
            if ck in got_callers:
                problems.append('%s: caller %s listed twice' % (k, ck))
            got_callers[ck] = e
            inverse[(e.get('id'), f.get('id'))] = e
        for ck in sorted(set(want['callers']) - set(got_callers)):
            problems.append('%s: caller edge from %s is missing' % (k, ck))
        for ck in sorted(set(got_callers) - set(want['callers'])):
            problems.append('%s: caller edge from %s is not in the profile'
                            % (k, ck))
        for ck in sorted(set(want['callers']) & set(got_callers)):
            check_edge(problems, '%s <- %s' % (k, ck), got_callers[ck],
                       want['callers'][ck])

    # Callees must be exactly the inverse of the callers.
    seen = set()
    for f in functions:
        k = key_string(f.get('file'), f.get('line'), f.get('name'))
        for e in f.get('callees') or []:
            pair = (f.get('id'), e.get('id'))
            if pair in seen:
                problems.append('%s: callee id %r listed twice'
                                % (k, e.get('id')))
            seen.add(pair)
            back = inverse.get(pair)
            if back is None:
                problems.append('%s: callee id %r has no matching caller edge'
                                % (k, e.get('id')))
                continue
            for field in ('ncalls', 'pcalls', 'tottime', 'cumtime'):
                a, b = e.get(field, 'missing'), back.get(field, 'missing')
                if not (a == b and (a is None) == (b is None)):
                    problems.append('%s -> id %r: callee %s %r, caller edge '
                                    'says %r' % (k, e.get('id'), field, a, b))
    for pair in sorted(set(inverse) - seen, key=repr):
        problems.append('caller edge id %r -> id %r has no callee entry'
                        % pair)
    return problems


def run_one(binary, expected):
    inputs = [os.path.join(HERE, i) for i in expected['inputs']]
    proc = subprocess.run([binary, 'report', '--json'] + inputs,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=60)
    if proc.returncode != 0:
        return ['exit status %d: %s' % (
            proc.returncode, proc.stderr.decode('utf-8', 'replace').strip())]
    try:
        got = json.loads(proc.stdout.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        return ['output is not UTF-8 JSON: %s' % e]
    if not isinstance(got, dict):
        return ['output is not a JSON object']
    return compare(expected, got)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: run_golden.py PROFVIZ_BINARY\n')
        return 2
    binary = argv[1]
    paths = sorted(glob.glob(os.path.join(HERE, '*.expected.json')))
    passed = failed = 0
    if not paths:
        print('FAIL no *.expected.json in %s' % HERE)
        failed += 1
    for path in paths:
        name = os.path.basename(path)[:-len('.expected.json')]
        with open(path, encoding='utf-8') as f:
            expected = json.load(f)
        try:
            problems = run_one(binary, expected)
        except (OSError, subprocess.TimeoutExpired) as e:
            problems = ['could not run %s: %s' % (binary, e)]
        if problems:
            failed += 1
            print('FAIL %s (%s, %d differences)'
                  % (name, ' '.join(expected['inputs']), len(problems)))
            for p in problems[:MAX_DETAILS]:
                print('    ' + p)
            if len(problems) > MAX_DETAILS:
                print('    ... %d more' % (len(problems) - MAX_DETAILS))
        else:
            passed += 1
            print('ok   %s' % name)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
