#!/usr/bin/env python3
"""Golden test of comparing two profiles: what `profviz report --compare
--json` (and, given --api, the server's /api/compare) says about each fixture
pair, against what this script computes from what pstats read.

    python3 tests/golden/compare/run_compare_golden.py PATH/TO/profviz

For each pair (BASE, NEW) it reads both profiles the way pstats does
(pstats.Stats for files this Python can read; for Python 2.7 files, the
committed tests/golden/NAME.expected.json that Python 2.7's pstats wrote),
pairs the functions by the rules of parser/compare.c (implemented again here,
independently), computes every change and ratio, absolute and normalised,
and checks, to the last bit: which functions are paired and how, each side's
numbers, the changes and ratios, the summaries, that the rows come sorted,
and that the API gives the very same rows as the report. Python 2.7's pstats
adds up total_time in hash order, so for a Python 2.7 side the run's total
(and the normalised numbers built on it) may differ in the last bits; there
the test allows 1e-12 relative. Prints ok/FAIL per pair and the differences.
Python 3 standard library only.
"""
import json
import math
import os
import pstats
import re
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.dirname(HERE)
MAX_DETAILS = 20

PAIRS = [
    # (BASE, NEW, what it tests)
    ('../cprofile-py27.prof', '../cprofile-py313.prof', 'one workload, Python 2.7 and 3.13'),
    ('../cprofile-py36.prof', '../cprofile-py313.prof', 'one workload, Python 3.6 and 3.13'),
    ('before-py313.prof', 'after-py313.prof', 'a workload before and after an edit'),
    ('posix-py313.prof', 'windows-py313.prof', 'POSIX paths against Windows paths'),
    ('../profile-py313.prof', '../cprofile-py313.prof', 'profile module against cProfile'),
]


# ---- Reading profiles as pstats does ------------------------------------

def norm_text(s):
    if isinstance(s, bytes):
        return s.decode('utf-8', 'replace')
    try:
        return s.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
    except UnicodeEncodeError:
        return s.encode('utf-8', 'surrogatepass').decode('utf-8', 'replace')


def load(path):
    """{'funcs': {(file, line, name): (nc, cc, tt, ct)}, totals, exact}."""
    try:
        st = pstats.Stats(path)
    except ValueError:          # a Python 2 marshal file: use its truth
        truth = os.path.join(GOLDEN, os.path.basename(path)[:-5] + '.expected.json')
        with open(truth, encoding='utf-8') as f:
            t = json.load(f)
        funcs = {}
        for v in t['functions'].values():
            funcs[(v['file'], v['line'], v['name'])] = (
                v['ncalls'], v['pcalls'], v['tottime'], v['cumtime'])
        return {'funcs': funcs, 'total_calls': t['total_calls'],
                'primitive_calls': t['primitive_calls'], 'total_time': t['total_time'],
                'exact': t['total_time_exact']}
    funcs = {}
    callers_only = []

    def key(k):
        name = getattr(k[2], 'co_name', k[2])
        return (norm_text(k[0]), int(k[1]), norm_text(name))

    for k, (cc, nc, tt, ct, callers) in st.stats.items():
        funcs[key(k)] = (nc, cc, tt, ct)
        callers_only.extend(key(c) for c in callers)
    for c in callers_only:
        funcs.setdefault(c, (0, 0, 0.0, 0.0))
    return {'funcs': funcs, 'total_calls': st.total_calls, 'primitive_calls': st.prim_calls,
            'total_time': st.total_tt, 'exact': True}


# ---- The pairing rules (parser/compare.c, written again) -----------------

def is_sep(c):
    return c in '/\\'


def split_components(path):
    return re.split(r'[/\\]', path)


def is_python(comp, dotted):
    pat = r'python[0-9]+(\.[0-9]+)?[a-z]*' if dotted else r'python[0-9]+[a-z]*'
    return re.fullmatch(pat, comp.lower()) is not None


def marker_end(path):
    """Offset after the last package marker folder, or -1."""
    comps = split_components(path)
    mark, at, prev = -1, 0, None
    for comp in comps[:-1]:
        at += len(comp) + 1
        c = comp.lower()
        if (c in ('site-packages', 'dist-packages')
                or (prev in ('lib', 'lib64') and is_python(comp, True))
                or (c == 'lib' and prev is not None and is_python(prev_raw, False))):
            mark = at
        prev, prev_raw = c, comp
    return mark


def is_special(f):
    return f == '' or f == '~' or f.startswith('<')


def has_sep(f):
    return '/' in f or '\\' in f


def relative_paths(funcs):
    own = [f for f in dict.fromkeys(k[0] for k in funcs)
           if not is_special(f) and has_sep(f) and marker_end(f) < 0]
    common = 0
    if own:
        first = own[0]
        common = len(first)
        for f in own[1:]:
            i = 0
            while i < common and i < len(f) and (
                    f[i] == first[i] or (is_sep(f[i]) and is_sep(first[i]))):
                i += 1
            common = i
        while common > 0 and not is_sep(first[common - 1]):
            common -= 1
    rel = {}
    for k in funcs:
        f = k[0]
        m = -1 if is_special(f) else marker_end(f)
        if m >= 0:
            rel[k] = f[m:]
        elif own and not is_special(f) and has_sep(f):
            rel[k] = f[common:]
        else:
            rel[k] = f
    return rel


def canon_path(p):
    return p.replace('\\', '/')


def builtin_name(name):
    n = name
    unwrapped = False
    for w in ('<built-in method ', '<built-in function '):
        if len(n) > len(w) + 1 and n.startswith(w) and n.endswith('>'):
            n = n[len(w):-1]
            unwrapped = True
            break
    if not unwrapped and len(n) > 2 and n[0] == '<' and n[-1] == '>' and ' ' not in n:
        n = n[1:-1]
    m = re.search(r' at 0x[0-9a-fA-F]+$', n)
    if m:
        n = n[:m.start()]
    for mod in ('builtins.', '__builtin__.'):
        if len(n) > len(mod) and n.startswith(mod):
            n = n[len(mod):]
            break
    return n


def is_c_function(k):
    return k[1] == 0 and k[0] in ('', '~')


def suffix_related(a, b):
    a, b = canon_path(a), canon_path(b)
    if len(a) < len(b):
        a, b = b, a
    return a.endswith(b) and (len(a) == len(b) or a[len(a) - len(b) - 1] == '/')


def pair_in_order(B, N, compatible):
    """B and N sorted by line: as many pairs as possible in order, then the
    least sum of squared line distances (the same dynamic program)."""
    nb, nn = len(B), len(N)
    if (nb + 1) * (nn + 1) > (1 << 20):
        return [(B[i], N[i]) for i in range(min(nb, nn)) if compatible(B[i], N[i])]
    dp = [[(0, 0.0)] * (nn + 1) for _ in range(nb + 1)]

    def better(x, y):               # is x better than y
        return x[0] > y[0] or (x[0] == y[0] and x[1] < y[1])

    for i in range(nb - 1, -1, -1):
        for j in range(nn - 1, -1, -1):
            sb, sn = dp[i + 1][j], dp[i][j + 1]
            best = sb if (sb[0] > sn[0] or (sb[0] == sn[0] and sb[1] <= sn[1])) else sn
            if compatible(B[i], N[j]):
                d = float(B[i][1]) - float(N[j][1])
                t = dp[i + 1][j + 1]
                take = (t[0] + 1, t[1] + d * d)
                if better(take, best):
                    best = take
            dp[i][j] = best
    pairs, i, j = [], 0, 0
    while i < nb and j < nn:
        here = dp[i][j]
        if compatible(B[i], N[j]):
            d = float(B[i][1]) - float(N[j][1])
            t = dp[i + 1][j + 1]
            if t[0] + 1 == here[0] and t[1] + d * d == here[1]:
                pairs.append((B[i], N[j]))
                i += 1
                j += 1
                continue
        if dp[i + 1][j] == here:
            i += 1
        else:
            j += 1
    return pairs


def match(base, new):
    """{new key: (base key, kind)} and the unpaired keys of each side."""
    rb, rn = relative_paths(base), relative_paths(new)
    partner_b, partner_n = {}, {}

    def set_pair(b, n, kind):
        if kind == 'same':
            kind = 'line' if b[1] != n[1] else ('same' if b[0] == n[0] else 'path')
        partner_b[b] = (n, kind)
        partner_n[n] = (b, kind)

    def groups(keyfn, candidate):
        g = {}
        for side, funcs in ((0, base), (1, new)):
            for k in funcs:
                if k in (partner_b if side == 0 else partner_n) or not candidate(k):
                    continue
                g.setdefault(keyfn(side, k), ([], []))[side].append(k)
        return g.values()

    def by_line(ks):
        return sorted(ks, key=lambda k: k[1])   # stable: ids of equal lines stay in order

    # 1. name and relative path
    for B, N in groups(lambda s, k: (k[2], canon_path((rb if s == 0 else rn)[k])),
                       lambda k: True):
        if not B or not N:
            continue
        if len(B) == 1 and len(N) == 1:
            set_pair(B[0], N[0], 'same')
            continue
        for b, n in pair_in_order(by_line(B), by_line(N), lambda b, n: True):
            set_pair(b, n, 'same')
    # 2. C functions spelled differently
    for B, N in groups(lambda s, k: builtin_name(k[2]), is_c_function):
        if len(B) == 1 and len(N) == 1:
            set_pair(B[0], N[0], 'builtin')
    # 3. path suffixes, unambiguous only

    def base_name(s, k):
        r = canon_path((rb if s == 0 else rn)[k])
        return (k[2], r.rsplit('/', 1)[-1])

    for B, N in groups(base_name, lambda k: not is_c_function(k)):
        def ok(b, n):
            return suffix_related(rb[b], rn[n])
        for b in B:
            cands = [n for n in N if ok(b, n)]
            if len(cands) == 1 and sum(1 for o in B if ok(o, cands[0])) == 1:
                set_pair(b, cands[0], 'suffix')
    return partner_n, [k for k in base if k not in partner_b]


# ---- The numbers ----------------------------------------------------------

def share(part, total):
    return 100.0 * part / total if total != 0 else math.nan


def ratio(n, b):
    if b != 0:
        return n / b
    if n != 0 and n == n:
        return math.inf if n > 0 else -math.inf
    return math.nan


def finite_or_none(x):
    return x if isinstance(x, int) or math.isfinite(x) else None


def expected_row(base, new, bk, nk, normalised):
    zero = (0, 0, 0.0, 0.0)
    bv = base['funcs'][bk] if bk else zero
    nv = new['funcs'][nk] if nk else zero
    bt, bc, nt, nc = bv[2], bv[3], nv[2], nv[3]
    if normalised:
        bt, bc = share(bt, base['total_time']), share(bc, base['total_time'])
        nt, nc = share(nt, new['total_time']), share(nc, new['total_time'])
        dn = share(float(nv[0]), float(new['total_calls'])) - \
            share(float(bv[0]), float(base['total_calls']))
    else:
        dn = nv[0] - bv[0]
    return {'change': {'tottime': finite_or_none(nt - bt), 'cumtime': finite_or_none(nc - bc),
                       'ncalls': finite_or_none(dn)},
            'ratio': {'tottime': finite_or_none(ratio(nt, bt)),
                      'cumtime': finite_or_none(ratio(nc, bc))}}


# ---- Checking ---------------------------------------------------------------

def same_number(a, b, loose):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if a == b:
        return True
    return loose and abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def model_keys(profviz, path):
    out = subprocess.check_output([profviz, 'report', '--json', path])
    return {f['id']: (f['file'], f['line'], f['name']) for f in json.loads(out)['functions']}


def check_pair(profviz, bpath, npath, problems, api_rows):
    base, new = load(bpath), load(npath)
    loose = not (base['exact'] and new['exact'])
    partner_n, base_only = match(base['funcs'], new['funcs'])
    want = {}
    for nk in new['funcs']:
        bk, kind = partner_n.get(nk, (None, 'new_only'))
        want[(bk, nk)] = kind
    for bk in base_only:
        want[(bk, None)] = 'base_only'
    ids = [model_keys(profviz, bpath), model_keys(profviz, npath)]

    for mode in ('absolute', 'normalised'):
        args = [profviz, 'report', '--compare', bpath, npath, '--json']
        if mode == 'normalised':
            args.append('--normalised')
        got = json.loads(subprocess.check_output(args))
        if got.get('mode') != mode:
            problems.append('%s: mode is %r' % (mode, got.get('mode')))
        for side, truth in (('base', base), ('new', new)):
            s = got[side]
            for field in ('total_calls', 'primitive_calls'):
                if s[field] != truth[field]:
                    problems.append('%s summary: %s is %r, pstats says %r'
                                    % (side, field, s[field], truth[field]))
            if not same_number(s['total_time'], truth['total_time'], not truth['exact']):
                problems.append('%s summary: total_time is %r, pstats says %r'
                                % (side, s['total_time'], truth['total_time']))
            if s['functions'] != len(truth['funcs']):
                problems.append('%s summary: %d functions, pstats has %d'
                                % (side, s['functions'], len(truth['funcs'])))
        rows = got['functions']
        seen = set()
        prev = None
        for r in rows:
            bk = ids[0][r['base']['id']] if r['base'] else None
            nk = ids[1][r['new']['id']] if r['new'] else None
            where = '%s row %s -> %s' % (mode, bk, nk)
            seen.add((bk, nk))
            if (bk, nk) not in want:
                problems.append('%s: not a pair by the rules' % where)
                continue
            if r['match'] != want[(bk, nk)]:
                problems.append('%s: match %r, expected %r' % (where, r['match'], want[(bk, nk)]))
            top = nk or bk
            if (r['file'], r['line'], r['name']) != top:
                problems.append('%s: names itself %r' % (where, (r['file'], r['line'], r['name'])))
            for sk, key, truth in (('base', bk, base), ('new', nk, new)):
                if not key:
                    continue
                nc, cc, tt, ct = truth['funcs'][key]
                s = r[sk]
                if (s['file'], s['line']) != key[:2] or s['ncalls'] != nc or s['pcalls'] != cc \
                        or not same_number(s['tottime'], tt, False) \
                        or not same_number(s['cumtime'], ct, False):
                    problems.append('%s: %s side %r, pstats says %r' % (where, sk, s, (nc, cc, tt, ct)))
            exp = expected_row(base, new, bk, nk, mode == 'normalised')
            lo = loose and mode == 'normalised'
            for group in ('change', 'ratio'):
                for field, value in exp[group].items():
                    have = r[group].get(field, 'missing')
                    if have == 'missing' or not same_number(have, value, lo) or \
                            (mode == 'absolute' and field == 'ncalls' and not isinstance(have, int)):
                        problems.append('%s: %s.%s is %r, expected %r'
                                        % (where, group, field, have, value))
            key = abs(r['change']['tottime']) if r['change']['tottime'] is not None else None
            if prev is not None and key is not None and key > prev and not lo:
                problems.append('%s: out of order (|change| %r after %r)' % (where, key, prev))
            if key is not None:
                prev = key
        missing = set(want) - seen
        for m in sorted(missing, key=str)[:5]:
            problems.append('%s: row %s missing' % (mode, m))
        if mode == 'absolute' and api_rows is not None:
            api = api_rows(got['base']['id'], got['new']['id'], len(rows))
            if api != rows:
                diff = next((i for i, (a, b) in enumerate(zip(api, rows)) if a != b), None)
                problems.append('the API gives other rows than the report (first at %r of %d/%d)'
                                % (diff, len(api), len(rows)))
    return len(want)


class Server:
    """profviz serving every fixture of the pairs on a free loopback port."""

    def __init__(self, profviz, files):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        self.port = s.getsockname()[1]
        s.close()
        self.proc = subprocess.Popen([profviz, '--server-only', '--port', str(self.port)] + files,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.get('/api/health')
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit('profviz did not start')

    def get(self, path):
        url = 'http://127.0.0.1:%d%s' % (self.port, path)
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.loads(r.read())

    def rows(self, base, new, n):
        out = []
        while len(out) < n:
            page = self.get('/api/compare?base=%s&new=%s&offset=%d&limit=1000'
                            % (base, new, len(out)))
            if not page['rows']:
                break
            out.extend(page['rows'])
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    profviz = os.path.abspath(argv[1])
    os.chdir(HERE)
    files = sorted({f for p in PAIRS for f in p[:2]})
    server = Server(profviz, files)
    failed = 0
    try:
        for bpath, npath, what in PAIRS:
            problems = []
            try:
                n = check_pair(profviz, bpath, npath, problems, server.rows)
            except (subprocess.CalledProcessError, OSError, ValueError, KeyError) as e:
                problems.append('error: %r' % e)
                n = 0
            name = '%s vs %s' % (os.path.basename(bpath), os.path.basename(npath))
            if problems:
                failed += 1
                print('FAIL %s (%s)' % (name, what))
                for p in problems[:MAX_DETAILS]:
                    print('    ' + p)
                if len(problems) > MAX_DETAILS:
                    print('    ... %d more' % (len(problems) - MAX_DETAILS))
            else:
                print('ok   %s (%s): %d rows' % (name, what, n))
    finally:
        server.stop()
    print('%d passed, %d failed' % (len(PAIRS) - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
