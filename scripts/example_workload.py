"""The program profiled for assets/example.prof: a small "report writer" that
exercises real library code (imports, regular expressions, JSON, difflib,
pydoc's HTML renderer) so that the example has a deep, varied call tree.

Regenerate the example with:  python3 scripts/make_example.py
"""
import difflib
import json
import pydoc
import re
import textwrap

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")


def word_counts(text):
    counts = {}
    for word in WORD.findall(text):
        counts[word.lower()] = counts.get(word.lower(), 0) + 1
    return counts


def render_module_docs(names):
    pages = []
    for name in names:
        module = __import__(name)
        pages.append(pydoc.html.page(name, pydoc.html.document(module, name)))
    return pages


def compare_versions(old, new):
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm=""))


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def write_report():
    pages = render_module_docs(["json", "textwrap", "difflib", "string"])
    counts = word_counts(" ".join(pages))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50]
    blob = json.dumps({"top": top, "pages": len(pages)}, indent=2)
    data = json.loads(blob)
    wrapped = textwrap.fill(" ".join(word for word, _ in data["top"]), width=60)
    diff = compare_versions(pages[0], pages[1])
    return len(wrapped) + len(diff) + fib(18)


if __name__ == "__main__":
    write_report()
