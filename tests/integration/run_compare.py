#!/usr/bin/env python3
"""Integration tests of comparing two profiles with the real binary:
/api/compare, /api/compare/tree, `profviz compare` and `profviz report
--compare`.

usage: python3 tests/integration/run_compare.py /path/to/profviz

Checks every parameter and error of the two endpoints (docs/api.md), that
pages put together are the whole table in the order asked for, that the
filter keeps exactly the rows whose name or file holds the text, the
comparison tree against the single-profile tree endpoint of both profiles at
the mapped places, and the command lines; and, on a generated pair of 40,000
functions, that pages deep in orders the background is still making, asked
at once right after the first page, get the answers they get alone (three
rounds: the overlap is a matter of timing). Python standard library only.
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import http.client
import json
import marshal
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAIR = os.path.join(ROOT, 'tests', 'golden', 'compare')
BEFORE = os.path.join(PAIR, 'before-py313.prof')
AFTER = os.path.join(PAIR, 'after-py313.prof')
POSIX = os.path.join(PAIR, 'posix-py313.prof')
WINDOWS = os.path.join(PAIR, 'windows-py313.prof')
ROW_KEYS = {'name', 'file', 'line', 'base', 'new', 'match', 'change', 'ratio'}
SIDE_KEYS = {'id', 'file', 'line', 'ncalls', 'pcalls', 'tottime', 'cumtime'}

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL %s%s' % (name, ': ' + str(detail)[:300] if detail else ''), flush=True)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, args):
        self.proc = subprocess.Popen([binary] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines = [self.proc.stdout.readline().decode()]
        m = re.fullmatch(r'profviz: serving http://127\.0\.0\.1:(\d+)/\n', self.lines[0])
        if not m:
            self.proc.kill()
            raise RuntimeError('profviz did not start: %r %r'
                               % (self.lines, self.proc.stderr.read()))
        self.port = int(m.group(1))

    def request(self, path, method='GET'):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        conn.request(method, path)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def json(self, path):
        status, data = self.request(path)
        return status, json.loads(data) if data else None

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(10)


def ids_of(binary, path):
    out = subprocess.check_output([binary, 'report', '--compare', path, path, '--json',
                                   '--limit', '0'])
    return json.loads(out)['base']['id']


def test_errors(s, b, n):
    base = '/api/compare?base=%s&new=%s' % (b, n)
    cases = [
        ('/api/compare?new=%s' % n, 400, "missing parameter 'base'"),
        ('/api/compare?base=%s' % b, 400, "missing parameter 'new'"),
        ('/api/compare?base=000000000000&new=%s' % n, 404, 'no profile with id 000000000000'),
        ('/api/compare/tree?base=%s&new=nope' % b, 404, 'no profile with id nope'),
        (base + '&sort=zzz', 400, "bad parameter 'sort'"),
        (base + '&order=up', 400, "bad parameter 'order': expected asc or desc"),
        (base + '&mode=relative', 400, "bad parameter 'mode': expected absolute or normalised"),
        (base + '&limit=10001', 400, "bad parameter 'limit': expected an integer from 0 to 10000"),
        (base + '&offset=-1', 400, "bad parameter 'offset'"),
        (base + '&q=' + 'x' * 1001, 400, "bad parameter 'q': longer than 1000 bytes"),
        (base + '&q=a%00b', 400, "bad parameter 'q': it contains a NUL byte"),
        ('/api/compare/tree?base=%s&new=%s&path=1,x' % (b, n), 400, "bad parameter 'path'"),
        ('/api/compare/tree?base=%s&new=%s&path=99999' % (b, n), 404, 'bad path'),
        ('/api/compare/tree?base=%s&new=%s&depth=1001' % (b, n), 400, "bad parameter 'depth'"),
        ('/api/compare/tree?base=%s&new=%s&cutoff=2' % (b, n), 400, "bad parameter 'cutoff'"),
        ('/api/compare/tree?base=%s&new=%s&side=both' % (b, n), 400, "bad parameter 'side'"),
        ('/api/compare/tree?base=%s&new=%s&max_nodes=20001' % (b, n), 400, 'at most 20000 nodes per tree request'),
        ('/api/compare/nothing', 404, 'no such API endpoint'),
    ]
    for path, status, text in cases:
        got, body = s.json(path)
        check('error %s' % path[:60], got == status and text in body.get('error', ''),
              (got, body))
    got, _ = s.request(base, 'POST')
    check('POST /api/compare is 405', got == 405, got)
    got, data = s.request(base, 'HEAD')
    check('HEAD /api/compare is 200 without a body', got == 200 and data == b'', (got, data[:40]))


def all_rows(s, query, page=7):
    rows, offset, total = [], 0, None
    while True:
        status, d = s.json('%s&offset=%d&limit=%d' % (query, offset, page))
        if status != 200:
            return None, None
        total = d['total']
        rows += d['rows']
        offset += page
        if not d['rows']:
            return rows, total


def sort_value(r, key):
    ch, ra = r['change'], r['ratio']
    side = lambda s, f: r[s][f] if r[s] else None  # noqa: E731
    v = {'change': abs(ch['tottime']) if ch['tottime'] is not None else None,
         'cumchange': abs(ch['cumtime']) if ch['cumtime'] is not None else None,
         'tottime_change': ch['tottime'], 'cumtime_change': ch['cumtime'],
         'ncalls_change': ch['ncalls'], 'ratio': ra['tottime'], 'cumratio': ra['cumtime'],
         'base_tottime': side('base', 'tottime'), 'new_tottime': side('new', 'tottime'),
         'base_ncalls': side('base', 'ncalls'), 'new_ncalls': side('new', 'ncalls')}[key]
    return v


def test_table(s, b, n):
    q = '/api/compare?base=%s&new=%s' % (b, n)
    status, first = s.json(q + '&limit=1000')
    check('table answers', status == 200, first)
    full = first['rows']
    check('table total is the row count', first['total'] == len(full), first['total'])
    check('summaries name both', first['base']['id'] == b and first['new']['id'] == n)
    check('counts add up to the rows', sum(first['counts'].values()) == len(full),
          first['counts'])
    check('totals change is NEW - BASE',
          first['change']['total_time'] == first['new']['total_time'] -
          first['base']['total_time'])
    for r in full:
        if not check('row keys', set(r) == ROW_KEYS, sorted(r)):
            break
        for side in ('base', 'new'):
            if r[side] is not None:
                check('side keys', set(r[side]) == SIDE_KEYS, sorted(r[side]))
        one = r['new'] or r['base']
        check('row names NEW (or BASE)', (r['file'], r['line']) == (one['file'], one['line']))
        check('only-in rows say so', (r['base'] is None) == (r['match'] == 'new_only') and
              (r['new'] is None) == (r['match'] == 'base_only'), r)
    rows, total = all_rows(s, q)
    check('pages of 7 make the whole table', rows == full, (len(rows or []), len(full)))
    for key in ('change', 'ratio', 'tottime_change', 'ncalls_change', 'new_tottime',
                'base_ncalls', 'cumratio'):
        for order in ('desc', 'asc'):
            status, d = s.json(q + '&sort=%s&order=%s&limit=1000' % (key, order))
            vals = [sort_value(r, key) for r in d['rows']]
            present = [v for v in vals if v is not None]
            # A ratio from zero is null in JSON but sorts as the largest.
            if key in ('ratio', 'cumratio'):
                inf = [r for r in d['rows'] if sort_value(r, key) is None and
                       r['change'][{'ratio': 'tottime', 'cumratio': 'cumtime'}[key]] not in
                       (None, 0)]
                present = [v for v in vals if v is not None]
            want = sorted(present, reverse=order == 'desc')
            check('sort %s %s' % (key, order), present == want, vals[:10])
            if key not in ('ratio', 'cumratio'):
                nones = [i for i, v in enumerate(vals) if v is None]
                check('sort %s %s: absent values last' % (key, order),
                      nones == list(range(len(vals) - len(nones), len(vals))), nones)
            check('sort %s %s: same rows' % (key, order),
                  sorted(json.dumps(r, sort_keys=True) for r in d['rows']) ==
                  sorted(json.dumps(r, sort_keys=True) for r in full))
    status, d = s.json(q + '&sort=name&limit=1000')
    names = [(r['name'].encode(), r['file'].encode(), r['line']) for r in d['rows']]
    check('sort name ascending by default', names == sorted(names), names[:5])
    for text in ('SLOW', 'app.py', 'builtins', 'zzz-nothing'):
        status, d = s.json(q + '&q=%s&limit=1000' % text)
        want = [r for r in full if any(
            side and (text.lower() in side['file'].lower()) for side in (r['base'], r['new']))
            or text.lower() in r['name'].lower()]
        check('filter %r keeps the rows holding it' % text,
              d['rows'] == want and d['total'] == len(want), (len(d['rows']), len(want)))
    status, norm = s.json(q + '&mode=normalised&limit=1000')
    check('normalised mode says so', norm['mode'] == 'normalised')
    by_ids = {(r['base'] and r['base']['id'], r['new'] and r['new']['id']): r for r in norm['rows']}
    bt, nt = first['base']['total_time'], first['new']['total_time']
    for r in full:
        k = (r['base'] and r['base']['id'], r['new'] and r['new']['id'])
        b_t = r['base']['tottime'] if r['base'] else 0.0
        n_t = r['new']['tottime'] if r['new'] else 0.0
        want = 100.0 * n_t / nt - 100.0 * b_t / bt
        check('normalised change of %s' % r['name'], by_ids[k]['change']['tottime'] == want,
              (by_ids[k]['change']['tottime'], want))


def walk(node, path, out):
    out.append((path, node))
    for c in node['children']:
        walk(c, path + [c['id']], out)


def test_tree(s, b, n):
    status, t = s.json('/api/compare/tree?base=%s&new=%s&depth=6&cutoff=0' % (b, n))
    check('tree answers', status == 200, t)
    status, plain = s.json('/api/profiles/%s/tree?depth=6&cutoff=0' % n)
    status, table = s.json('/api/compare?base=%s&new=%s&limit=10000' % (b, n))
    partner = {r['new']['id']: r['base']['id'] for r in table['rows'] if r['new'] and r['base']}
    nodes, plain_nodes = [], []
    walk(t['root'], list(t['path']), nodes)
    walk(plain['root'], list(plain['path']), plain_nodes)
    check('the tree is NEW\'s own tree', [(p, x['time'], x['exact']) for p, x in nodes] ==
          [(p, x['time'], x['exact']) for p, x in plain_nodes])
    checked = 0
    for path, node in nodes:
        mapped = [partner.get(i) for i in path]
        if None in mapped:
            check('a node with an unpaired step has no base', node['base'] is None, path)
            continue
        status, bt = s.json('/api/profiles/%s/tree?path=%s&depth=0' % (b, ','.join(map(str, mapped))))
        if status == 404:
            check('a place BASE lacks has no base', node['base'] is None, path)
            continue
        r = bt['root']
        ok = node['base'] == {'time': r['time'], 'calls': r['calls'], 'exact': r['exact']}
        check('base time at %s is BASE\'s tree at the mapped path' % path, ok, (node['base'], r))
        check('change is NEW - BASE', node['change'] == node['time'] - r['time'])
        check('uncertain unless both exact', node['uncertain'] == (not (node['exact'] and r['exact'])))
        checked += 1
    check('some places compared', checked >= 5, checked)
    new_code = [x for p, x in nodes if x['base'] is None and x['id'] >= 0]
    check('new code has no base time', any(x['name'] == 'new_path' for x in new_code),
          [x['name'] for x in new_code])
    # BASE's tree, NEW's times: what disappeared.
    status, bt = s.json('/api/compare/tree?base=%s&new=%s&side=base&depth=6&cutoff=0' % (b, n))
    bnodes = []
    walk(bt['root'], list(bt['path']), bnodes)
    gone = [x['name'] for p, x in bnodes if x['new'] is None]
    check('side=base: old_path has no NEW time', 'old_path' in gone, gone)
    check('side=base: nodes carry "new", change is NEW - BASE',
          all('new' in x and 'base' not in x and (x['new'] is None or x['change'] == x['new']['time'] - x['time']) for p, x in bnodes))
    # A subtree gives the same numbers as the full tree at that place.
    deep = [(p, x) for p, x in nodes if len(p) >= 3]
    if check('a deep node exists', deep):
        p, x = deep[0]
        status, sub = s.json('/api/compare/tree?base=%s&new=%s&path=%s&depth=0'
                             % (b, n, ','.join(map(str, p))))
        check('subtree root equals the node', status == 200 and
              {k: sub['root'][k] for k in ('time', 'base', 'change', 'uncertain')} ==
              {k: x[k] for k in ('time', 'base', 'change', 'uncertain')}, (sub, x))
        check('other_path is the mapped path', sub['other_path'] == [partner[i] for i in p])


def test_function(s, b, n):
    """/api/compare/function: the row is the table's row, and each caller and
    callee line holds each run's own edge (as /api/profiles/ID/functions/FID
    gives it) for the same paired function."""
    full, _ = all_rows(s, '/api/compare?base=%s&new=%s' % (b, n), page=100)
    partner = {('new', r['new']['id']): r['base']['id'] if r['base'] else None for r in full if r['new']}
    partner.update({('base', r['base']['id']): r['new']['id'] if r['new'] else None for r in full if r['base']})
    checked = 0
    for r in full:
        for side in ('new', 'base'):
            if not r[side]:
                continue
            fid = r[side]['id']
            status, d = s.json('/api/compare/function?base=%s&new=%s&side=%s&fid=%d&limit=10000'
                               % (b, n, side, fid))
            if not check('function %s %s answers' % (side, r['name']), status == 200, d):
                continue
            check('function row is the table row', d['function'] == r, (d['function'], r))
            for direction, end in (('callers', 'caller'), ('callees', 'callee')):
                check('%s total' % direction, d[direction + '_total'] == len(d[direction]))
                for run, pid in (('base', b), ('new', n)):
                    if not r[run]:
                        check('%s: no %s edges without the function' % (direction, run),
                              all(x[run] is None for x in d[direction]))
                        continue
                    _, own = s.json('/api/profiles/%s/functions/%d' % (pid, r[run]['id']))
                    want = {e['id']: e for e in own[direction]}
                    got = {x[run]['id']: x[run] for x in d[direction] if x[run]}
                    check('%s of %s in %s: each edge once' % (direction, r['name'], run),
                          sorted(got) == sorted(want), (sorted(got), sorted(want)))
                    for k, e in got.items():
                        w = want.get(k, {})
                        check('%s edge numbers' % direction,
                              all(e[f] == w.get(f) for f in ('ncalls', 'pcalls', 'tottime', 'cumtime')), (e, w))
                for x in d[direction]:
                    if x['base'] and x['new']:
                        check('a line pairs partners', partner.get(('base', x['base']['id'])) == x['new']['id'], x)
            checked += 1
    check('functions compared', checked >= 20, checked)
    for path, status, text in (
            ('/api/compare/function?base=%s&new=%s' % (b, n), 400, "missing parameter 'fid'"),
            ('/api/compare/function?base=%s&new=%s&fid=99999' % (b, n), 404, 'no function 99999'),
            ('/api/compare/function?base=%s&new=%s&fid=x' % (b, n), 400, "bad parameter 'fid'"),
            ('/api/compare/function?base=%s&new=%s&fid=0&side=both' % (b, n), 400, "bad parameter 'side'")):
        got, body = s.json(path)
        check('error %s' % path[-30:], got == status and text in body.get('error', ''), (got, body))


def test_cli(binary):
    port = free_port()
    env = dict(os.environ, BROWSER='true')
    proc = subprocess.Popen([binary, 'compare', '-p', str(port), BEFORE, AFTER],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    l1 = proc.stdout.readline().decode()
    l2 = proc.stdout.readline().decode()
    proc.terminate()
    code = proc.wait(10)
    b, n = ids_of(binary, BEFORE), ids_of(binary, AFTER)
    check('compare prints the serving line', l1 == 'profviz: serving http://127.0.0.1:%d/\n' % port, l1)
    check('compare prints the page it opens',
          l2 == 'profviz: opening http://127.0.0.1:%d/?profile=%s&view=compare&base=%s\n' % (port, n, b), l2)
    check('compare stops cleanly', code == 0, code)
    # `profviz compare` leaves each function index to the first table that
    # needs it: text sorts, filters and the function table still answer alike.
    plain = Server(binary, ['-s', '-p', '0', BEFORE, AFTER])
    lazy = Server(binary, ['compare', '-s', '-p', '0', BEFORE, AFTER])
    lazy.proc.stdout.readline()  # the page it opens
    for path in ('/api/compare?base=%s&new=%s&sort=name' % (b, n),
                 '/api/compare?base=%s&new=%s&sort=file&order=desc&q=app' % (b, n),
                 '/api/profiles/%s/functions?sort=name&q=s' % n,
                 '/api/compare?base=%s&new=%s&q=slow' % (b, n)):
        got, want = lazy.json(path), plain.json(path)
        check('compare, index on demand: %s' % path[-40:], got[0] == 200 and got == want, (got, want))
    lazy.stop()
    plain.stop()
    for args, text in (([BEFORE], 'give two profiles'), (['--merge', BEFORE, AFTER], '--merge'),
                       (['--dir', '/tmp', BEFORE, AFTER], '--dir')):
        r = subprocess.run([binary, 'compare'] + args, capture_output=True)
        check('compare %s refused' % args[0], r.returncode == 2 and text in r.stderr.decode(),
              r.stderr)
    r = subprocess.run([binary, 'report', '--compare', BEFORE, AFTER, '--limit', '3'],
                       capture_output=True)
    out = r.stdout.decode()
    check('report --compare prints totals and 3 rows', r.returncode == 0 and
          'total time' in out and 'List reduced from 15 to 3' in out, out)
    lines = [line for line in out.splitlines() if re.match(r'\s+[+-]\d', line)]
    check('report --compare: biggest change first',
          len(lines) == 3 and 'slow_sum' in lines[0], lines)
    r = subprocess.run([binary, 'report', '--compare', BEFORE, '/nonexistent.prof'],
                       capture_output=True)
    check('report --compare: a missing file is exit 2 with its name',
          r.returncode == 2 and '/nonexistent.prof' in r.stderr.decode(), r.stderr)
    r = subprocess.run([binary, 'report', '--compare', BEFORE], capture_output=True)
    check('report --compare needs two', r.returncode == 2 and b'two profiles' in r.stderr)
    r = subprocess.run([binary, 'report', '--compare', BEFORE, AFTER, '--sort', 'nope'],
                       capture_output=True)
    check('report --compare: unknown sort key', r.returncode == 2 and b'nope' in r.stderr)


def perturbed(src, dst):
    """A NEW run of src: every 10th function 1.5x slower, every 100th renamed."""
    with open(src, 'rb') as f:
        stats = marshal.load(f)
    keys = sorted(stats)
    renamed = {k: (k[0], k[1], k[2] + '_v2') if i % 100 == 7 else k for i, k in enumerate(keys)}
    out = {}
    for i, k in enumerate(keys):
        cc, nc, tt, ct, callers = stats[k]
        f = 1.5 if i % 10 == 3 else 1.0
        out[renamed[k]] = (cc, nc, tt * f, ct * f, {renamed.get(c, c): v for c, v in callers.items()})
    with open(dst, 'wb') as f:
        marshal.dump(out, f)


def test_concurrent(binary):
    """Right after a comparison's first page, pages deep in the name and the
    file orders (which the background is making too) and a filter, asked at
    once: the server stays up and each answer is what the same request gets
    afterwards, asked alone (a page deep in an order is the whole order's)."""
    work = tempfile.mkdtemp(prefix='profviz-compare-')
    try:
        base, new = os.path.join(work, 'base.prof'), os.path.join(work, 'new.prof')
        subprocess.run([sys.executable, os.path.join(ROOT, 'bench', 'gen_large_profile.py'), base,
                        '--functions', '40000'], check=True, stdout=subprocess.DEVNULL)
        perturbed(base, new)
        b, n = ids_of(binary, base), ids_of(binary, new)
        for round in range(3):
            s = Server(binary, ['compare', '-s', '-p', '0', base, new])
            try:
                q = '/api/compare?base=%s&new=%s' % (b, n)
                status, _ = s.request(q + '&limit=100')
                check('concurrent: the first page answers', status == 200, status)
                urls = [q + '&sort=name&offset=5000&limit=50',
                        q + '&sort=file&order=desc&offset=30000&limit=50',
                        q + '&sort=name&order=desc&offset=3000',
                        q + '&q=mod&sort=file&offset=1200']
                got = {}
                threads = [threading.Thread(target=lambda u=u: got.__setitem__(u, s.request(u)))
                           for u in urls]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                check('concurrent: all answered 200 at once (round %d)' % round,
                      [got[u][0] for u in urls] == [200] * 4, [got[u][0] for u in urls])
                again = {u: s.request(u) for u in urls}
                check('concurrent: the same answers asked alone (round %d)' % round,
                      all(got[u] == again[u] for u in urls))
            finally:
                check('concurrent: the server stops cleanly (round %d)' % round, s.stop() == 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    binary = os.path.abspath(argv[1])
    b, n = ids_of(binary, BEFORE), ids_of(binary, AFTER)
    s = Server(binary, ['-s', '-p', str(free_port()), BEFORE, AFTER, POSIX, WINDOWS])
    try:
        test_errors(s, b, n)
        test_table(s, b, n)
        pw, ww = ids_of(binary, POSIX), ids_of(binary, WINDOWS)
        test_table(s, pw, ww)
        test_tree(s, b, n)
        test_function(s, b, n)
    finally:
        check('server stops cleanly', s.stop() == 0)
    test_cli(binary)
    test_concurrent(binary)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
