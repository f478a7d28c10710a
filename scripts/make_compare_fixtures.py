#!/usr/bin/env python3
"""Regenerate the fixture pairs of the comparison golden test.

    python3 scripts/make_compare_fixtures.py

Needs Python 3.13 under `pyenv root`/versions. Writes to tests/golden/compare/:

- before-py313.prof, after-py313.prof: scripts/fixtures/compare/before.py and
  after.py, each run as app.py under `-m cProfile` (the same file name, so
  the edit shows as moved, removed, added and slower functions);
- posix-py313.prof: scripts/fixtures/compare/proj/app/main.py run from a
  folder holding the project and a (fake) virtualenv, so that its files are
  the project's own, the standard library's and site-packages';
- windows-py313.prof: a second run of the same, its stats dict rewritten
  with marshal as if it had run on Windows (C:\\Users\\dev\\proj\\...,
  C:\\Python313\\Lib\\..., ...\\.venv\\Lib\\site-packages\\...).

The same workload under two Python versions is the pair cprofile-py27 /
cprofile-py313 that scripts/make_fixtures.py already writes. Timings change
on every run; names and call counts do not. tests/golden/compare/
run_compare_golden.py computes what each pair must give.
"""
import json
import marshal
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, 'scripts', 'fixtures', 'compare')
OUT = os.path.join(ROOT, 'tests', 'golden', 'compare')
WORK = '/tmp/profviz-compare-fixtures'


def python313():
    try:
        root = subprocess.check_output(['pyenv', 'root']).decode().strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser('~/.pyenv')
    versions = os.path.join(root, 'versions')
    for v in sorted(os.listdir(versions)):
        exe = os.path.join(versions, v, 'bin', 'python')
        if v.startswith('3.13') and os.path.exists(exe):
            return exe
    raise SystemExit('Python 3.13 not found under %s' % versions)


def env():
    return {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'PYTHONHASHSEED': '0',
            'LC_ALL': 'C.UTF-8', 'LANG': 'C.UTF-8', 'PYTHONDONTWRITEBYTECODE': '1'}


def profile(py, script, out, cwd):
    subprocess.check_call([py, '-m', 'cProfile', '-o', out, script], cwd=cwd, env=env())


def windows_path(path, stdlib):
    """A POSIX path of the fixture run as it would be on Windows."""
    prefixes = [
        (os.path.join(WORK, 'venv', 'lib', 'python3.13', 'site-packages') + '/',
         'C:\\Users\\dev\\proj\\.venv\\Lib\\site-packages\\'),
        (os.path.join(WORK, 'proj') + '/', 'C:\\Users\\dev\\proj\\'),
        (stdlib + '/', 'C:\\Python313\\Lib\\'),
    ]
    for posix, win in prefixes:
        if path.startswith(posix):
            return win + path[len(posix):].replace('/', '\\')
    return path


def rewrite_windows(src, dst, stdlib):
    with open(src, 'rb') as f:
        stats = marshal.load(f)

    def key(k):
        return (windows_path(k[0], stdlib), k[1], k[2])

    out = {}
    for k, (cc, nc, tt, ct, callers) in stats.items():
        out[key(k)] = (cc, nc, tt, ct, {key(c): v for c, v in callers.items()})
    with open(dst, 'wb') as f:
        marshal.dump(out, f)


def main():
    py = python313()
    stdlib = subprocess.check_output(
        [py, '-c', 'import os, json; print(os.path.dirname(os.path.dirname(json.__file__)))'],
        env=env()).decode().strip()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    os.makedirs(OUT, exist_ok=True)
    for name in ('before', 'after'):
        shutil.copy(os.path.join(SRC, name + '.py'), os.path.join(WORK, 'app.py'))
        profile(py, 'app.py', os.path.join(OUT, name + '-py313.prof'), WORK)
    shutil.copytree(os.path.join(SRC, 'proj'), os.path.join(WORK, 'proj'))
    shutil.copytree(os.path.join(SRC, 'venv'), os.path.join(WORK, 'venv'))
    main_py = os.path.join(WORK, 'proj', 'app', 'main.py')
    profile(py, main_py, os.path.join(OUT, 'posix-py313.prof'), WORK)
    raw = os.path.join(WORK, 'windows-raw.prof')
    profile(py, main_py, raw, WORK)
    rewrite_windows(raw, os.path.join(OUT, 'windows-py313.prof'), stdlib)
    shutil.rmtree(WORK)
    with open(os.path.join(OUT, 'windows-py313.prof'), 'rb') as f:
        files = sorted({k[0] for k in marshal.load(f)})
    print(json.dumps(files, indent=1))


if __name__ == '__main__':
    sys.exit(main())
