#!/usr/bin/env python3
"""Regenerate the call-tree fixtures in tests/tree/: real profiles of the shapes
that make call trees hard.

    python3 scripts/make_tree_fixtures.py

Needs the Pythons under `pyenv root`/versions. Each file is a real profile:
- imports-pyXY: `python -m cProfile script.py` on a script whose imports import
  more modules (builtins.exec is the recursive root; imports nest in it);
- module-pyXY: `python -m cProfile -m treework` (runpy meets exec again);
- unittest-pyXY: `python -m cProfile -m unittest` on two stdlib test modules
  (suite.__call__ and suite.run recurse into each other);
- regrtest-py312: `python -m cProfile -m test` on two stdlib tests;
- profile-imports-py313: the pure-Python `profile` module (edges carry counts only);
- merged-imports-py313: two runs of the imports script merged with pstats.Stats.add.
tests/unit/parser_calltree_real.c checks every tree rule on each of them (and on
tests/golden/*.prof). Timings change on every run; the shapes do not.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELPERS = os.path.join(ROOT, 'scripts', 'fixtures')
OUT = os.path.join(ROOT, 'tests', 'tree')
MAX_FILE = 400 * 1024


def pythons():
    root = subprocess.check_output(['pyenv', 'root']).decode().strip()
    found = {}
    for v in sorted(os.listdir(os.path.join(root, 'versions'))):
        parts = v.split('.')
        exe = os.path.join(root, 'versions', v, 'bin', 'python')
        if len(parts) >= 2 and os.path.exists(exe):
            found['py%s%s' % (parts[0], parts[1])] = exe
    return found


def run(py, args, out, env_path=None):
    env = dict(os.environ)
    if env_path:
        env['PYTHONPATH'] = env_path
    subprocess.check_call([py, '-m', 'cProfile', '-o', out] + args, cwd=HELPERS, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    os.makedirs(OUT, exist_ok=True)
    py = pythons()
    made = []
    for tag in ('py27', 'py36', 'py311', 'py313'):
        if tag in py:
            out = os.path.join(OUT, 'imports-%s.prof' % tag)
            run(py[tag], ['imports_script.py'], out)
            made.append(out)
    for tag in ('py38', 'py313'):
        if tag in py:
            out = os.path.join(OUT, 'module-%s.prof' % tag)
            run(py[tag], ['-m', 'treework'], out, env_path=HELPERS)
            made.append(out)
    for tag in ('py310', 'py313'):
        if tag in py:
            out = os.path.join(OUT, 'unittest-%s.prof' % tag)
            run(py[tag], ['-m', 'unittest', 'test.test_bisect', 'test.test_heapq'], out)
            made.append(out)
    if 'py312' in py:
        out = os.path.join(OUT, 'regrtest-py312.prof')
        run(py['py312'], ['-m', 'test', 'test_bisect', 'test_textwrap'], out)
        made.append(out)
    if 'py313' in py:
        out = os.path.join(OUT, 'profile-imports-py313.prof')
        subprocess.check_call([py['py313'], '-m', 'profile', '-o', out, 'imports_script.py'],
                              cwd=HELPERS, stdout=subprocess.DEVNULL)
        made.append(out)
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, 'a.prof'), os.path.join(tmp, 'b.prof')
            run(py['py313'], ['imports_script.py'], a)
            run(py['py313'], ['imports_script.py'], b)
            out = os.path.join(OUT, 'merged-imports-py313.prof')
            subprocess.check_call([py['py313'], '-c',
                                   'import pstats,sys; s=pstats.Stats(sys.argv[1]); '
                                   's.add(sys.argv[2]); s.dump_stats(sys.argv[3])', a, b, out])
            made.append(out)
    for f in made:
        size = os.path.getsize(f)
        if size > MAX_FILE:
            sys.exit('%s is %d bytes, over %d' % (f, size, MAX_FILE))
        print('%s: %d bytes' % (os.path.relpath(f, ROOT), size))


if __name__ == '__main__':
    main()
