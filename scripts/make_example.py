"""Writes assets/example.prof: cProfile output of scripts/example_workload.py.

Usage: python3 scripts/make_example.py
"""
import cProfile
import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(os.path.join(HERE, os.pardir, "assets", "example.prof"))

profiler = cProfile.Profile()
profiler.enable()
# A relative path keeps this machine's folders out of the profile.
os.chdir(os.path.join(HERE, os.pardir))
runpy.run_path("scripts/example_workload.py", run_name="__main__")
profiler.disable()
profiler.dump_stats(OUT)
print("wrote", os.path.normpath(OUT))
