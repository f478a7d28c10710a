"""A PEP 517 build backend for the profviz package, standard library only.

pip builds the wheel with this file, so `pip install ./python` needs nothing
from a package index. It packs the files of profviz/ into a wheel (and an
sdist), with the metadata of pyproject.toml's [project] table, and supports
editable installs (`pip install -e ./python`) with a .pth file.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "profviz"


def _project():
    """name, version, description and requires-python from pyproject.toml
    (tomllib is 3.11+; the table is simple enough to read by hand)."""
    meta, table = {}, None
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                table = line
            elif table == "[project]" and "=" in line and not line.startswith("#"):
                key, value = (part.strip() for part in line.split("=", 1))
                if value.startswith('"'):
                    meta[key] = value.strip('"')
    return meta


def _metadata():
    p = _project()
    return ("Metadata-Version: 2.1\n"
            f"Name: {p['name']}\n"
            f"Version: {p['version']}\n"
            f"Summary: {p.get('description', '')}\n"
            f"Requires-Python: {p.get('requires-python', '>=3.8')}\n"
            "License: MIT\n")


def _dist_info():
    return f"{NAME}-{_project()['version']}.dist-info"


def _wheel_name():
    return f"{NAME}-{_project()['version']}-py3-none-any.whl"


def _package_files():
    root = os.path.join(HERE, NAME)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            yield path, os.path.relpath(path, HERE).replace(os.sep, "/")


def _write_wheel(directory, entries):
    """entries: (archive name, bytes). Adds the dist-info files and RECORD."""
    info = _dist_info()
    entries = list(entries) + [
        (f"{info}/METADATA", _metadata().encode()),
        (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: profviz_build\n"
                          b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = []
    path = os.path.join(directory, _wheel_name())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{name},sha256={digest.decode()},{len(data)}")
        record.append(f"{info}/RECORD,,")
        z.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return os.path.basename(path)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, _dist_info())
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return _dist_info()


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    entries = []
    for path, name in _package_files():
        with open(path, "rb") as f:
            entries.append((name, f.read()))
    return _write_wheel(wheel_directory, entries)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [(f"{NAME}_editable.pth", (HERE + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{_project()['version']}"
    path = os.path.join(sdist_directory, base + ".tar.gz")
    with tarfile.open(path, "w:gz") as t:
        for rel in ["pyproject.toml", "_build/profviz_build.py"]:
            t.add(os.path.join(HERE, rel), arcname=f"{base}/{rel}")
        for full, rel in _package_files():
            t.add(full, arcname=f"{base}/{rel}")
        data = _metadata().encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return os.path.basename(path)
