"""run_integration.py's checks of the web UI's files as served, embedded or
from --web-root: content types, index.html with its start data, the joined
js/bundle.js, ETags and 304, no-store from disk, gzip, 404 for anything else
and for every path-traversal attempt."""

import gzip
import json
import os
import re

from harness import WEB, check


def web_files():
    out = []
    for dirpath, dirnames, filenames in os.walk(WEB):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            if not fn.startswith("."):
                out.append(os.path.relpath(os.path.join(dirpath, fn), WEB).replace(os.sep, "/"))
    return sorted(out)


TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".json": "application/json; charset=utf-8",
         ".png": "image/png", ".ico": "image/x-icon"}


BOOT_BLOCK = re.compile(rb'(<script type="application/json" id="profviz-boot">)(.*?)(</script>)',
                        re.S)


def page_template(body):
    """index.html as served, with its data block emptied again; None when the
    block is missing or does not hold the start data."""
    m = BOOT_BLOCK.search(body)
    if not m:
        return None
    try:
        data = json.loads(m.group(2))
    except ValueError:
        return None
    if not isinstance(data, dict) or "health" not in data:
        return None
    return body[:m.start(2)] + b"null" + body[m.end(2):]


def test_static(srv, label, from_disk):
    """The web UI's files as served; returns /js/bundle.js as served."""
    files = web_files()
    check(f"{label}: web/ has files to serve", bool(files))
    status, hdrs, body = srv.request("/")
    check(f"{label}: / is index.html with its start data", status == 200 and
          hdrs.get("content-type") == "text/html; charset=utf-8" and
          page_template(body) == open(os.path.join(WEB, "index.html"), "rb").read(),
          (status, hdrs))
    for rel in files:
        status, hdrs, body = srv.request("/" + rel)
        ext = os.path.splitext(rel)[1]
        want_type = TYPES.get(ext)
        if rel == "index.html":
            # The page is made per request (server/page.c): the file with its
            # data block filled, never cached.
            same = page_template(body) == open(os.path.join(WEB, rel), "rb").read()
            check(f"{label}: /index.html served with its start data",
                  status == 200 and same and hdrs.get("content-type") == want_type and
                  hdrs.get("cache-control") == "no-store", (status, hdrs, same))
            # compressed by the page's pool job (respond.h pv_respond_pack)
            status, hdrs, packed = srv.request("/" + rel, headers={"Accept-Encoding": "gzip"})
            check(f"{label}: /index.html gzip when accepted",
                  status == 200 and hdrs.get("content-encoding") == "gzip" and
                  page_template(gzip.decompress(packed)) == page_template(body), (status, hdrs))
            continue
        if rel.startswith("js/") and not from_disk:
            # the modules are embedded joined, as js/bundle.js (server/bundle.h)
            check(f"{label}: /{rel} is not embedded on its own (the bundle holds it)",
                  status == 404, status)
            continue
        same = body == open(os.path.join(WEB, rel), "rb").read()
        check(f"{label}: /{rel} served with its content type",
              status == 200 and same and (want_type is None or
                                          hdrs.get("content-type") == want_type),
              (status, hdrs.get("content-type"), same))
        check(f"{label}: /{rel} nosniff", hdrs.get("x-content-type-options") == "nosniff")
        if from_disk:
            check(f"{label}: /{rel} not cached", hdrs.get("cache-control") == "no-store")
        else:
            etag = hdrs.get("etag")
            check(f"{label}: /{rel} revalidates with an ETag",
                  hdrs.get("cache-control") == "no-cache" and etag)
            status, hdrs2, body2 = srv.request("/" + rel, headers={"If-None-Match": etag or "x"})
            check(f"{label}: /{rel} If-None-Match gives 304", status == 304 and body2 == b"")
        if len(body) > 2048 and (ext in (".html", ".css", ".js", ".svg")):
            status, hdrs, packed = srv.request("/" + rel, headers={"Accept-Encoding": "gzip"})
            check(f"{label}: /{rel} gzip when accepted",
                  hdrs.get("content-encoding") == "gzip" and gzip.decompress(packed) == body)
    status, hdrs, bundle = srv.request("/js/bundle.js")
    modules = [rel for rel in files if rel.startswith("js/") and rel.endswith(".js")]
    check(f"{label}: /js/bundle.js joins the modules, boot.js first and app.js last",
          status == 200 and hdrs.get("content-type") == TYPES[".js"] and
          bundle.startswith(b"// profviz's web UI: js/app.js and the modules it imports") and
          bundle.index(b"\n/* js/boot.js */\n") < bundle.index(b"\n/* js/app.js */\n") and
          b"\nimport " not in bundle and b"\nexport " not in bundle and
          sum(bundle.count(f"\n/* {m} */\n".encode()) for m in modules) == bundle.count(b"\n/* js/"),
          (status, hdrs.get("content-type"), bundle[:80]))
    if from_disk:
        check(f"{label}: /js/bundle.js is made anew, not cached", hdrs.get("cache-control") == "no-store")
    else:
        etag = hdrs.get("etag")
        status, _, again = srv.request("/js/bundle.js", headers={"If-None-Match": etag or "x"})
        check(f"{label}: /js/bundle.js revalidates with an ETag", etag and status == 304)
        status, hdrs, packed = srv.request("/js/bundle.js", headers={"Accept-Encoding": "gzip"})
        check(f"{label}: /js/bundle.js gzip when accepted",
              hdrs.get("content-encoding") == "gzip" and gzip.decompress(packed) == bundle)
    status, hdrs, body = srv.request("/", method="HEAD")
    check(f"{label}: HEAD / gives headers only", status == 200 and body == b"")
    status, hdrs, body = srv.request("/", method="POST", body=b"x")
    check(f"{label}: POST / is 405", status == 405)
    for path in ("/nope.html", "/js/", "/js", "/index.html/", "/INDEX.HTML", "/index.html.bak"):
        status, _, _ = srv.request(path)
        check(f"{label}: {path} is 404", status == 404, status)

    attempts = [
        "/../CMakeLists.txt", "/../../../../etc/passwd", "/js/../../CMakeLists.txt",
        "/%2e%2e/CMakeLists.txt", "/%2E%2E/%2E%2E/etc/passwd", "/js/%2e%2e/%2e%2e/CMakeLists.txt",
        "/%252e%252e/CMakeLists.txt", "/%252e%252e%252fCMakeLists.txt",
        "/..%2fCMakeLists.txt", "/..%252fCMakeLists.txt", "/js%2f..%2f..%2fCMakeLists.txt",
        "/..\\CMakeLists.txt", "/%5c..%5cCMakeLists.txt", "/js\\..\\index.html",
        "/..%5cCMakeLists.txt", "//etc/passwd", "/./index.html", "/js/./app.js",
        "/.git/config", "/%2egit/config", "/%00index.html", "/index.html%00.js",
        "/%c0%ae%c0%ae/CMakeLists.txt", "/js/../index.html", "/..", "/.", "/%2e",
        "/server/http.c", "/CMakeLists.txt",
    ]
    for path in attempts:
        status, _, body = srv.request(path)
        check(f"{label}: traversal {path} is 404", status == 404 and b"cmake" not in body.lower()
              and b"root:" not in body, status)
    return bundle
