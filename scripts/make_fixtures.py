#!/usr/bin/env python3
"""Regenerate the golden fixtures, their expected JSON, and the fuzz seeds.

    python3 scripts/make_fixtures.py

Needs the Pythons under `pyenv root`/versions (2.7, 3.6-3.13). For every
version it profiles scripts/fixtures/workload.py with `-m cProfile` and
`-m profile`; it adds hand-made files (yappi-style, merged, odd names,
non-UTF-8 bytes, deep recursion, marshal versions 0-3, a caller missing from
the top level, empty, one entry). Each fixture's truth is read by the Python
version that wrote it (scripts/fixtures/dump_truth.py: pstats.Stats), then
normalised here the way profviz shows text, and written to
tests/golden/<fixture>.expected.json. Timings change on every run; call
counts and names do not.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELPERS = os.path.join(ROOT, 'scripts', 'fixtures')
GOLDEN = os.path.join(ROOT, 'tests', 'golden')
CORPUS = os.path.join(ROOT, 'tests', 'fuzz', 'corpus')

MAX_FIXTURE = 100 * 1024
MAX_TOTAL = 3 * 1024 * 1024

# Fuzz seeds: fixture -> name in tests/fuzz/corpus (named for what they are).
CORPUS_FILES = {
    'empty-py313': 'empty-dict-v4.prof',
    'empty-py27': 'empty-dict-py27-v2.prof',
    'one-entry-py313': 'one-entry-no-callers.prof',
    'tiny-cprofile-py313': 'cprofile-py313-tiny-refs.prof',
    'tiny-cprofile-py27': 'cprofile-py27-tiny-stringrefs.prof',
    'tiny-profile-py313': 'profile-py313-code-object-311-layout.prof',
    'tiny-profile-py38': 'profile-py38-code-object-38-layout.prof',
    'tiny-profile-py36': 'profile-py36-code-object-30-layout.prof',
    'tiny-profile-py27': 'profile-py27-code-object-27-layout.prof',
    'tiny-marshal-v0-py313': 'marshal-v0-text-floats.prof',
    'tiny-marshal-v1-py313': 'marshal-v1.prof',
    'tiny-marshal-v2-py313': 'marshal-v2-no-refs.prof',
    'tiny-marshal-v3-py313': 'marshal-v3-refs.prof',
    'yappi-style-py313': 'yappi-style.prof',
    'missing-caller-py313': 'caller-missing-from-top-level.prof',
    'py2-text-py27': 'py27-unicode-and-latin1-keys.prof',
}


def find_pythons():
    """Return {tag: path}, e.g. {'py27': '.../2.7.18/bin/python'}."""
    try:
        root = subprocess.check_output(['pyenv', 'root']).decode().strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser('~/.pyenv')
    found = {}
    versions = os.path.join(root, 'versions')
    for v in sorted(os.listdir(versions)):
        exe = os.path.join(versions, v, 'bin', 'python')
        parts = v.split('.')
        if os.path.exists(exe) and len(parts) >= 2 and parts[0] in '23':
            found['py%s%s' % (parts[0], parts[1])] = exe
    return found


def env():
    e = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
         'PYTHONHASHSEED': '0', 'LC_ALL': 'C.UTF-8', 'LANG': 'C.UTF-8',
         'PYTHONDONTWRITEBYTECODE': '1'}
    return e


def run(args, cwd):
    subprocess.check_call(args, cwd=cwd, env=env())


def norm(text):
    """Bytes (one code point per byte) -> the text profviz shows."""
    return text.encode('latin-1').decode('utf-8', 'replace')


def key_string(k):
    return json.dumps(k, ensure_ascii=False)


def build_expected(raw, inputs, tag):
    functions = {}
    referenced = {}
    for e in raw['entries']:
        k = [norm(e['key'][0]), e['key'][1], norm(e['key'][2])]
        ks = key_string(k)
        if ks in functions:
            raise SystemExit('two keys normalise to %s in %s' % (ks, inputs))
        callers = {}
        for ck, v in e['callers']:
            ck = [norm(ck[0]), ck[1], norm(ck[2])]
            cks = key_string(ck)
            if cks in callers:
                raise SystemExit('two caller keys normalise to %s' % cks)
            callers[cks] = v
            referenced[cks] = ck
        functions[ks] = {
            'file': k[0], 'line': k[1], 'name': k[2], 'listed': True,
            'ncalls': e['nc'], 'pcalls': e['cc'],
            'tottime': e['tt'], 'cumtime': e['ct'], 'callers': callers,
        }
    for cks, ck in referenced.items():
        if cks not in functions:
            functions[cks] = {
                'file': ck[0], 'line': ck[1], 'name': ck[2], 'listed': False,
                'ncalls': 0, 'pcalls': 0, 'tottime': 0.0, 'cumtime': 0.0,
                'callers': {},
            }
    return {
        'inputs': inputs,
        'python': raw['python'],
        'reader': 'pstats.Stats(%s)%s' % (
            inputs[0], ''.join('.add(%s)' % i for i in inputs[1:])),
        # pstats sums tottime in its dict order. That is the file's entry
        # order for one file read by Python 3.6+, so the sum is exactly
        # reproducible; Python 2 dicts (hash order) and Stats.add (sum of
        # the per-file sums) are not.
        'total_time_exact': len(inputs) == 1 and tag != 'py27',
        'total_calls': raw['total_calls'],
        'primitive_calls': raw['primitive_calls'],
        'total_time': raw['total_time'],
        'functions': functions,
    }


def main():
    pythons = find_pythons()
    want = ['py27', 'py36', 'py37', 'py38', 'py39', 'py310', 'py311',
            'py312', 'py313']
    missing = [t for t in want if t not in pythons]
    if missing:
        raise SystemExit('missing Pythons: %s' % ', '.join(missing))
    newest = 'py313'
    work = tempfile.mkdtemp(prefix='profviz-fixtures-')
    for name in ('workload.py', 'tiny.py', 'names.py'):
        shutil.copy(os.path.join(HELPERS, name), work)
    # A real script path holding byte 0xE9 (not UTF-8).
    bad_script = b'caf\xe9 workload.py'
    shutil.copy(os.path.join(HELPERS, 'workload.py'),
                os.path.join(work.encode(), bad_script))
    handmade = os.path.join(HELPERS, 'handmade.py')
    dump_truth = os.path.join(HELPERS, 'dump_truth.py')

    for f in os.listdir(GOLDEN):
        if f.endswith('.prof') or f.endswith('.expected.json'):
            os.remove(os.path.join(GOLDEN, f))

    made = []        # (fixture, tag)

    def out(name):
        return os.path.join(GOLDEN, name + '.prof')

    def profile_run(name, tag, module, script, *args):
        run([pythons[tag], '-m', module, '-o', out(name), script] + list(args),
            work)
        made.append((name, tag))

    def hand(name, tag, cmd, *args):
        run([pythons[tag], handmade, cmd, out(name)] +
            [out(a) for a in args[:len(args) - (cmd == 'remarshal')]] +
            list(args[len(args) - (cmd == 'remarshal'):]), work)
        made.append((name, tag))

    for tag in want:
        profile_run('cprofile-' + tag, tag, 'cProfile', 'workload.py', 'a')
        profile_run('profile-' + tag, tag, 'profile', 'workload.py', 'a')
    for tag in ('py27', 'py313'):
        profile_run('tiny-cprofile-' + tag, tag, 'cProfile', 'tiny.py')
    for tag in ('py27', 'py36', 'py38', 'py313'):
        profile_run('tiny-profile-' + tag, tag, 'profile', 'tiny.py')
    for tag in ('py27', newest):
        profile_run('cprofile-b-' + tag, tag, 'cProfile', 'workload.py', 'b')
        hand('merged-' + tag, tag, 'merge', 'cprofile-' + tag,
             'cprofile-b-' + tag)
        profile_run('deep-cprofile-' + tag, tag, 'cProfile', 'workload.py',
                    'deep')
        profile_run('names-' + tag, tag, 'cProfile', 'names.py')
        run([pythons[tag], '-m', 'cProfile', '-o', out('nonutf8-path-' + tag),
             bad_script], work.encode())
        made.append(('nonutf8-path-' + tag, tag))
        hand('empty-' + tag, tag, 'empty')
    profile_run('profile-b-' + newest, newest, 'profile', 'workload.py', 'b')
    hand('merged-profile-' + newest, newest, 'merge', 'profile-' + newest,
         'profile-b-' + newest)
    profile_run('deep-profile-' + newest, newest, 'profile', 'workload.py',
                'deep')
    for v in range(4):
        hand('marshal-v%d-%s' % (v, newest), newest, 'remarshal',
             'cprofile-' + newest, str(v))
        hand('tiny-marshal-v%d-%s' % (v, newest), newest, 'remarshal',
             'tiny-cprofile-' + newest, str(v))
    hand('yappi-style-' + newest, newest, 'yappi')
    hand('missing-caller-' + newest, newest, 'missing-caller')
    hand('one-entry-' + newest, newest, 'one-entry')
    hand('py2-text-py27', 'py27', 'py2-text')

    # Truth: one expected file per fixture, plus merges done by pstats.
    tests = [(name, tag, [name]) for name, tag in made]
    for tag in ('py27', newest):
        tests.append(('merge-args-cprofile-a-b-' + tag, tag,
                      ['cprofile-' + tag, 'cprofile-b-' + tag]))
    tests.append(('merge-args-profile-a-b-' + newest, newest,
                  ['profile-' + newest, 'profile-b-' + newest]))
    for name, tag, inputs in tests:
        files = [i + '.prof' for i in inputs]
        raw = subprocess.check_output([pythons[tag], dump_truth] + files,
                                      cwd=GOLDEN, env=env())
        expected = build_expected(json.loads(raw.decode('utf-8')), files, tag)
        text = json.dumps(expected, ensure_ascii=False, indent=1,
                          sort_keys=True) + '\n'
        if json.loads(text) != expected:
            raise SystemExit('%s: expected JSON does not read back' % name)
        path = os.path.join(GOLDEN, name + '.expected.json')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)

    total = 0
    for f in sorted(os.listdir(GOLDEN)):
        size = os.path.getsize(os.path.join(GOLDEN, f))
        total += size
        if f.endswith('.prof') and size > MAX_FIXTURE:
            raise SystemExit('%s is %d bytes, over %d' % (f, size, MAX_FIXTURE))
    if total > MAX_TOTAL:
        raise SystemExit('tests/golden holds %d bytes, over %d' % (total, MAX_TOTAL))

    os.makedirs(CORPUS, exist_ok=True)
    for fixture, seed in sorted(CORPUS_FILES.items()):
        shutil.copy(out(fixture), os.path.join(CORPUS, seed))
    shutil.rmtree(work)
    print('%d fixtures, %d expected files, %d bytes in tests/golden; %d seeds'
          % (len(made), len(tests), total, len(CORPUS_FILES)))


if __name__ == '__main__':
    sys.exit(main())
