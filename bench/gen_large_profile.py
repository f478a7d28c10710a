#!/usr/bin/env python3
"""Write a large, realistic cProfile-shaped .prof file for the benchmark.

    python3 bench/gen_large_profile.py OUT [--functions N] [--seed S]

The default is 300,000 functions spread over about 3,000 file names and about
750,000 caller edges (2.5 per function), about 50 MB. The call graph is mostly
a DAG hanging from `<built-in method builtins.exec>`, with some direct and
mutual recursion; builtins are leaves called from many places. Call counts add
up along the edges, cumtime is tottime plus the callees' cumtime shares.

It is written the way cProfile's dump_stats writes it: marshal.dump of
{(file, line, name): (cc, nc, tt, ct, {caller_key: (nc, cc, tt, ct)})} with
the same key tuple and file name objects reused, so that marshal emits
references as real files do. The same seed gives the same bytes.
"""
import argparse
import marshal
import random
import sys

VERBS = ('get', 'set', 'load', 'save', 'parse', 'render', 'build', 'check',
         'update', 'find', 'compute', 'resolve', 'emit', 'visit', 'merge',
         'read', 'write', 'encode', 'decode', 'apply', 'wrap', 'call', 'run',
         'handle', 'process', 'validate', 'format', 'match', 'scan', 'walk')
NOUNS = ('item', 'node', 'token', 'value', 'record', 'config', 'request',
         'response', 'field', 'schema', 'buffer', 'path', 'entry', 'user',
         'session', 'query', 'row', 'column', 'index', 'cache', 'event',
         'frame', 'block', 'header', 'message', 'stream', 'module', 'key')
ADJECTIVES = ('cached', 'raw', 'default', 'pending', 'nested', 'remote',
              'local', 'initial', 'current', 'parent', 'child', 'internal')
SPECIAL = ('__init__', '__call__', '__getattr__', '__eq__', '__hash__',
           '__iter__', '__next__', '__enter__', '__exit__', '<lambda>',
           '<listcomp>', '<genexpr>', '<dictcomp>', 'wrapper', 'inner')
BUILTIN_FORMS = ('<built-in method builtins.%s>', "<method '%s' of 'list' objects>",
                 "<method '%s' of 'dict' objects>", "<method '%s' of 'str' objects>",
                 '<built-in method _operator.%s>', "<method '%s' of '_io.TextIOWrapper' objects>")
PACKAGES = ('django', 'numpy', 'requests', 'sqlalchemy', 'jinja2', 'urllib3',
            'werkzeug', 'pydantic', 'attr', 'click', 'yaml', 'json', 'email',
            'asyncio', 'importlib', 'logging', 'http', 'xml', 'myapp', 'tests')


def make_files(rnd, count):
    files = []
    for i in range(count):
        pkg = PACKAGES[i % len(PACKAGES)]
        if pkg in ('json', 'email', 'asyncio', 'importlib', 'logging', 'http',
                   'xml'):
            base = '/usr/lib/python3.11/%s' % pkg
        elif pkg in ('myapp', 'tests'):
            base = '/home/dev/src/project/%s' % pkg
        else:
            base = '/usr/local/lib/python3.11/site-packages/%s' % pkg
        sub = '/'.join(rnd.choice(NOUNS) + 's' for _ in range(rnd.randint(0, 2)))
        files.append('%s/%s%s_%d.py' % (base, sub + '/' if sub else '',
                                         rnd.choice(NOUNS), i))
    return files


def generate(n, seed):
    rnd = random.Random(seed)
    n_builtin = max(1, n // 150)            # leaves with many callers
    n_regular = n - n_builtin
    files = make_files(rnd, max(1, n // 100))

    keys = [('~', 0, '<built-in method builtins.exec>')]
    # Regular functions: contiguous runs per file, line numbers increasing.
    last_line = [0] * len(files)
    fi = -1
    left = 0
    for i in range(1, n_regular):
        if left == 0:
            fi = (fi + 1) % len(files)
            left = max(1, int(rnd.expovariate(1.0 / 100)))
            if last_line[fi] == 0:
                last_line[fi] = 1
                keys.append((files[fi], 1, '<module>'))
                left -= 1
                continue
        line = last_line[fi] + rnd.randint(2, 40)
        last_line[fi] = line
        r = rnd.random()
        if r < 0.12:
            name = rnd.choice(SPECIAL)
        else:
            name = '%s_%s' % (rnd.choice(VERBS), rnd.choice(NOUNS))
            if r > 0.45:
                name = '%s_%s_%s' % (rnd.choice(VERBS), rnd.choice(ADJECTIVES),
                                     rnd.choice(NOUNS))
            if r > 0.8:
                name = '_' + name + '_impl'
            if r > 0.7:
                name += '_%d' % rnd.randint(1, 99)
        keys.append((files[fi], line, name))
        left -= 1
    for b in range(n_builtin):
        form = BUILTIN_FORMS[b % len(BUILTIN_FORMS)]
        keys.append(('~', 0, form % ('%s_%s_%d' % (rnd.choice(VERBS),
                                                   rnd.choice(NOUNS), b))))
    assert len(set(keys)) == n, 'duplicate keys'
    callers = [dict() for _ in range(n)]     # callee -> {caller: calls}
    recursive = [0] * n                      # non-primitive calls per callee

    def add_edge(j, i, calls):
        callers[i][j] = callers[i].get(j, 0) + calls

    # DAG edges: each regular function is called by 1-4 earlier ones, mostly
    # nearby (same module), sometimes from far away.
    for i in range(1, n_regular):
        k = rnd.choice((1, 1, 1, 1, 2, 2, 2, 3, 3, 4))
        for _ in range(k):
            if rnd.random() < 0.75:
                j = max(0, i - 1 - int(rnd.expovariate(1.0 / 30)))
            else:
                j = rnd.randrange(0, i)
            add_edge(j, i, max(1, int(rnd.lognormvariate(0.5, 1.3))))
    # Builtins: leaves with many callers.
    for b in range(n_regular, n):
        for _ in range(min(n_regular, int(rnd.paretovariate(1.5) * 22))):
            j = rnd.randrange(1, n_regular)
            add_edge(j, b, max(1, int(rnd.lognormvariate(1.0, 1.5))))
    # Recursion: about 2% direct, 0.5% mutual (a back edge to an ancestor).
    for i in range(1, n_regular):
        r = rnd.random()
        if r < 0.02:
            calls = rnd.randint(1, 200)
            add_edge(i, i, calls)
            recursive[i] += calls
        elif r < 0.025 and callers[i]:
            j = min(callers[i])
            if j > 0:
                calls = rnd.randint(1, 20)
                add_edge(i, j, calls)
                recursive[j] += calls

    nc = [sum(c.values()) for c in callers]
    nc[0] = 1
    cost = [rnd.lognormvariate(-13.0, 1.2) for _ in range(n)]  # ~2 µs/call
    tt = [nc[i] * cost[i] for i in range(n)]
    # cumtime: own time plus each callee's share, DAG edges only (j < i).
    callees = [[] for _ in range(n)]
    for i in range(n):
        for j, calls in callers[i].items():
            if j < i:
                callees[j].append((i, calls))
    ct = list(tt)
    for i in range(n - 1, -1, -1):
        total = tt[i]
        for c, calls in callees[i]:
            total += ct[c] * calls / nc[c]
        ct[i] = total

    stats = {}
    order = list(range(n))
    rnd.shuffle(order)                       # entry order is arbitrary
    edges = 0
    for i in order:
        cd = {}
        for j, calls in callers[i].items():
            share = calls / nc[i]
            prim = 0 if (j == i or j > i) else calls
            cd[keys[j]] = (calls, prim, tt[i] * share, ct[i] * share)
            edges += 1
        cc = nc[i] - recursive[i]
        stats[keys[i]] = (cc, nc[i], tt[i], ct[i], cd)
    return stats, edges, len(files)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--functions', type=int, default=300000)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args(argv)
    if args.functions < 2:
        ap.error('--functions must be at least 2')
    stats, edges, nfiles = generate(args.functions, args.seed)
    with open(args.out, 'wb') as f:
        marshal.dump(stats, f)
        size = f.tell()
    print('%s: %d functions, %d caller edges, %d files, %d bytes'
          % (args.out, len(stats), edges, nfiles, size))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
