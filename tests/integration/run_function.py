#!/usr/bin/env python3
"""Integration tests of the function view's endpoints with the real binary:
callers-tree, callees-tree, sites and search (docs/api.md).

usage: python3 tests/integration/run_function.py /path/to/profviz

Against a generated profile where isinstance has 846 callers
(tests/e2e/make_many_callers.py) and a golden fixture: the first level of
the callers tree is every caller edge with its measured time (as
GET .../functions/{fid} lists them, adding up to the cumtime), the callees
tree likewise, every site's path names a node of GET .../tree with the same
time, search counts sites under a path apart, and every parameter error has
its status and message. Python standard library only. Prints "N passed, M
failed" and exits non-zero on any failure.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, 'tests', 'golden', 'cprofile-py313.prof')

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL %s%s' % (name, ': ' + str(detail)[:300] if detail else ''), flush=True)
    return cond


class Server:
    def __init__(self, binary, args):
        self.proc = subprocess.Popen([binary, '-s', '-p', '0'] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        m = re.fullmatch(r'profviz: serving http://127\.0\.0\.1:(\d+)/\n', line)
        if not m:
            self.proc.kill()
            raise RuntimeError('profviz did not start: %r %r' % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))

    def get(self, path, method='GET'):
        c = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, json.loads(body) if body else None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def walk(node):
    yield node
    for c in node['children']:
        yield from walk(c)


def tree_node(s, pid, path):
    st, t = s.get('/api/profiles/%s/tree?path=%s&depth=0&cutoff=0' % (pid, ','.join(map(str, path))))
    return st, t


def many_callers(binary, tmp):
    prof = os.path.join(tmp, 'many.prof')
    subprocess.run([sys.executable, os.path.join(ROOT, 'tests', 'e2e', 'make_many_callers.py'),
                    prof, '--callers', '846'], check=True)
    s = Server(binary, [prof])
    try:
        _, lst = s.get('/api/profiles')
        pid = lst[0]['id']
        _, page = s.get('/api/profiles/%s/functions?q=isinstance' % pid)
        fid = page['rows'][0]['id']
        _, fn = s.get('/api/profiles/%s/functions/%d' % (pid, fid))
        st, t = s.get('/api/profiles/%s/functions/%d/callers-tree?depth=3' % (pid, fid))
        check('callers-tree answers 200', st == 200, t)
        root = t['root']
        check('root is the function with its cumtime', root['id'] == fid and root['time'] == fn['function']['cumtime'])
        level1 = {c['id']: c for c in root['children']}
        check('first level is every caller', len(level1) == 846 and set(level1) == {c['id'] for c in fn['callers']}, len(level1))
        check('first level times are the measured edges',
              all(level1[c['id']]['time'] == c['cumtime'] and level1[c['id']]['exact'] for c in fn['callers']))
        total = sum(c['time'] for c in root['children'])
        check('edges add up to the cumtime', abs(total - fn['function']['cumtime']) < 1e-12, total)
        check('nodes counted', t['nodes'] == sum(1 for _ in walk(root)), t['nodes'])
        deep = [n for n in walk(root) if n is not root and n not in root['children']]
        check('deeper levels are there', len(deep) > 846, len(deep))

        st, t = s.get('/api/profiles/%s/functions/%d/callers-tree?depth=3&max_nodes=100' % (pid, fid))
        check('the budget bounds the first level too, and says so',
              len(t['root']['children']) == 99 and t['root']['hidden']['count'] == 846 - 99 and t['root']['more'],
              len(t['root']['children']))

        st, t = s.get('/api/profiles/%s/functions/%d/callees-tree' % (pid, fn['callers'][0]['id']))
        check('callees-tree of a caller lists isinstance', st == 200 and [c['id'] for c in t['root']['children']] == [fid], t)

        st, sites = s.get('/api/profiles/%s/functions/%d/sites?limit=20' % (pid, fid))
        check('sites answers 200', st == 200, sites)
        check('every call site found', sites['total'] == 846 and sites['complete'] and len(sites['sites']) == 20, sites['total'])
        times = [x['time'] for x in sites['sites']]
        check('sites largest first', times == sorted(times, reverse=True))
        ok = True
        for x in sites['sites'][:5]:
            st, node = tree_node(s, pid, x['path'])
            ok = ok and st == 200 and node['root']['id'] == fid and node['root']['time'] == x['time']
            ok = ok and x['via'][-1] == x['name'] and len(x['via']) == 4
        check('each site path names a node of the tree with the same time', ok)

        group = sites['sites'][0]['path'][:4]
        st, r = s.get('/api/profiles/%s/search?q=caller_&limit=5&within=%s' % (pid, ','.join(map(str, group))))
        check('search answers 200', st == 200, r)
        check('search counts the sites under a path apart', r['total'] == 846 and 0 < r['within'] < 846, (r['total'], r['within']))
        check('search lists at most limit', len(r['sites']) == 5)
        check('within flags each site', all(x['within'] == (x['path'][:4] == group) for x in r['sites']))
        st, r = s.get('/api/profiles/%s/search?q=caller_' % pid)
        check('without within, within is null', r['within'] is None and 'within' not in r['sites'][0])

        # the function table limited to a subtree: group_N's, N's callers and isinstance
        st, r = s.get('/api/profiles/%s/functions?within=%s&limit=10000' % (pid, ','.join(map(str, group))))
        _, gtree = s.get('/api/profiles/%s/tree?path=%s&depth=1000&cutoff=0&max_nodes=20000' % (pid, ','.join(map(str, group))))
        want = {n['id'] for n in walk(gtree['root'])}
        check('functions?within= lists the subtree\'s functions', st == 200 and {x['id'] for x in r['rows']} == want and r['total'] == len(want), (r.get('total'), len(want)))
        st, r = s.get('/api/profiles/%s/functions?within=%s&q=isinstance' % (pid, ','.join(map(str, group))))
        check('within and q combine', st == 200 and [x['id'] for x in r['rows']] == [fid], r)
        st, r = s.get('/api/profiles/%s/functions?within=' % pid)
        check('an empty within is the whole tree', st == 200 and r['total'] == 862, r.get('total'))
        st, r = s.get('/api/profiles/%s/functions?within=%d,%d' % (pid, fid, fid))
        check('a within path that names no node is 404', st == 404 and "bad parameter 'within'" in r['error'], r)
        st, r = s.get('/api/profiles/%s/functions?within=a' % pid)
        check('a malformed within is 400', st == 400 and "bad parameter 'within'" in r['error'], r)

        for path, status, msg in [
            ('/functions/%d/callers-tree?depth=0' % fid, 400, "bad parameter 'depth': expected an integer from 1 to 1000, got \"0\""),
            ('/functions/%d/callers-tree?max_nodes=1' % fid, 400, "bad parameter 'max_nodes'"),
            ('/functions/%d/callees-tree?cutoff=2' % fid, 400, "bad parameter 'cutoff'"),
            ('/functions/99999/callers-tree', 404, 'no function 99999 in profile'),
            ('/functions/abc/sites', 404, 'no function abc'),
            ('/functions/%d/sites?limit=1001' % fid, 400, "bad parameter 'limit'"),
            ('/functions/%d/sites?within=1,x' % fid, 400, "bad parameter 'within'"),
            ('/search', 400, "bad parameter 'q'"),
            ('/search?q=', 400, "bad parameter 'q'"),
            ('/search?q=' + 'x' * 1001, 400, "longer than 1000 bytes"),
        ]:
            st, body = s.get('/api/profiles/%s%s' % (pid, path))
            check('%s is %d' % (path[:50], status), st == status and msg in body['error'], (st, body))
        st, body = s.get('/api/profiles/nope/functions/1/sites')
        check('unknown profile is 404', st == 404 and 'no profile' in body['error'], body)
        st, body = s.get('/api/profiles/%s/functions/%d/sites' % (pid, fid), method='POST')
        check('POST is 405', st == 405, body)
        st, body = s.get('/api/profiles/%s/functions/%d/nope' % (pid, fid))
        check('unknown endpoint is 404', st == 404, body)
    finally:
        s.stop()


def golden(binary):
    s = Server(binary, [GOLDEN])
    try:
        _, lst = s.get('/api/profiles')
        pid = lst[0]['id']
        _, page = s.get('/api/profiles/%s/functions?limit=10000' % pid)
        bad = []
        for row in page['rows']:
            _, fn = s.get('/api/profiles/%s/functions/%d' % (pid, row['id']))
            for d, edges in (('callers', fn['callers']), ('callees', fn['callees'])):
                st, t = s.get('/api/profiles/%s/functions/%d/%s-tree?depth=2' % (pid, row['id'], d))
                got = sorted((c['id'], c['time']) for c in t['root']['children'])
                want = sorted((e['id'], e['cumtime']) for e in edges)
                if st != 200 or got != want:
                    bad.append((row['name'], d))
        check('golden: every function\'s first levels are its edges', not bad, bad[:5])
    finally:
        s.stop()


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        many_callers(binary, tmp)
    golden(binary)
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
