# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.module_payload_cache`` callback: build each module's payload once, not every run.

Why a callback: before a Python module runs, ansible-core's worker assembles its AnsiballZ payload: it parses the
module and every module_util it imports to find their imports (``recursive_finder``), and zips their sources. That
cache lives in the run's own temporary directory, so every ``ansible-playbook`` run starts again: measured on a
no-change ``site.yml`` of the stack, 21 modules cost 6.6 CPU-s of parsing in the workers. The module process then
compiles every source of the zip twice (Python's zipimport compiles a source once to find its file name and once to
run it): 0.68 CPU-s a run of an AWS module, against 0.52 with bytecode in the zip.

This callback, loaded in the controller before the first worker is forked, wraps ``recursive_finder`` so that:
- the files it found are kept in a cache directory that outlives the run, keyed by ansible-core's version, the
  controller's Python, the module's own source and the search paths; an entry is used only when every file in it
  still has its size and modification time, and the directories it was found in (and the collection search paths
  of its namespaces) are unchanged, so an edited, added or shadowing file means the payload is built again;
- each Python source in the payload gets a hash-checked bytecode file beside it. Python uses it only when its
  magic number is the interpreter's own and its hash matches the source beside it, and compiles the source
  otherwise, so a module run by another Python is unchanged.

Payloads built with an ansible-core extension (the module debugger, coverage) and payloads with a file whose
origin is unknown are neither cached nor given bytecode. Anything unexpected (an ansible-core whose internals
differ, an unwritable directory) leaves ansible-core's own behaviour in place, with a message at verbosity 3.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: module_payload_cache
type: aggregate
short_description: Keep modules' AnsiballZ payloads, with bytecode, across runs on the controller
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - ansible-core assembles a Python module's payload (the module and the module_utils it imports) in each run,
    and the module process compiles every source of it twice. This callback keeps the assembled files in
    O(cache_dir) and adds bytecode to the payload, so a module is parsed once and compiled once, not every run.
  - An entry is used only if every file in it, the directories they were found in and the collection search paths
    of their namespaces are unchanged (size and modification time); otherwise the payload is built again.
  - The bytecode is hash-checked against the source beside it and carries the controller Python's magic number;
    another interpreter ignores it and compiles the source as it would without this callback.
  - Measured on a 2-core machine, an AWS module run costs 0.68 CPU-seconds without it and 0.52 with it, and a
    no-change C(site.yml) of the whole stack re-parses 21 modules' module_utils (6.6 CPU-seconds) without it and
    none with it. Twenty runs of C(amazon.aws.aws_caller_info) took 16.0 and 19.8 CPU-seconds without, 14.2 and 15.4
    with (paired runs).
  - Payloads of runs with the module debugger or coverage extensions are built by ansible-core unchanged.
requirements:
  - Enabled in C(callbacks_enabled) (the project's C(ansible.cfg) does).
options:
  cache_dir:
    description:
      - Directory of the cache. Created with mode 0700. Deleting it at any time is safe.
      - Entries not used for O(max_age_days) are deleted when a new entry is written.
    type: path
    default: ~/.ansible/cache/fargatedemo_module_payloads
    ini:
      - section: callback_module_payload_cache
        key: cache_dir
    env:
      - name: MODULE_PAYLOAD_CACHE_DIR
  max_age_days:
    description: Entries not used for this many days are removed.
    type: int
    default: 14
    ini:
      - section: callback_module_payload_cache
        key: max_age_days
    env:
      - name: MODULE_PAYLOAD_CACHE_MAX_AGE_DAYS
"""

import dataclasses
import hashlib
import importlib.util
import json
import marshal
import os
import sys
import tempfile
import time
import zipfile

from ansible.plugins.callback import CallbackBase
from ansible.utils.display import Display

try:
    from ansible import release
    from ansible._internal._datatag._tags import Origin
    from ansible.executor import module_common
    from ansible.utils.collection_loader import AnsibleCollectionConfig
except ImportError:  # another ansible-core layout: ansible-core's own behaviour stays
    module_common = None

display = Display()

FORMAT = 1
MANIFEST = "manifest.json"
# The two package files ansible-core writes from constants (their content is a function of its version).
_SYNTHETIC = frozenset({"ansible/__init__.py", "ansible/module_utils/__init__.py"})


def bytecode(source: bytes, name: str) -> bytes:
    """A checked hash-based .pyc of ``source`` (PEP 552): used only if its hash matches the source beside it."""
    code = compile(source, name, "exec", dont_inherit=True)
    return b"".join(
        (
            importlib.util.MAGIC_NUMBER,
            (0b11).to_bytes(4, "little"),  # hash-based, checked against the source
            importlib.util.source_hash(source),
            marshal.dumps(code),
        )
    )


def _stat(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


class _RecordingZip:
    """Stands in for the payload's ZipFile while ansible-core writes module_utils into it: keeps each file's
    name, content and origin, and writes it through."""

    def __init__(self, zf):
        self._zf = zf
        self.compression = zf.compression
        self.files = []  # (name, bytes, origin path or None)

    def writestr(self, zinfo, data, *args, **kwargs):
        name = zinfo if isinstance(zinfo, str) else zinfo.filename
        origin = Origin.get_tag(data)
        content = data.encode() if isinstance(data, str) else bytes(data)
        self.files.append((name, content, origin.path if origin else None))
        return self._zf.writestr(zinfo, data, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._zf, name)


class PayloadCache:
    """The cache of recursive_finder's results, in one directory of zip files."""

    def __init__(self, directory: str, max_age_days: int, original):
        self.directory = directory
        self.max_age = max_age_days * 86400
        self.original = original

    # -- keys and validity
    @staticmethod
    def _search_paths():
        mu_paths = [p for p in module_common.module_utils_loader._get_paths(subdirs=False) if os.path.isdir(p)]
        mu_paths.append(module_common._MODULE_UTILS_PATH)
        return mu_paths, list(AnsibleCollectionConfig.collection_paths)

    def key(self, module_fqn: str, module_data: bytes) -> str:
        mu_paths, collection_paths = self._search_paths()
        digest = hashlib.sha256()
        for part in (
            str(FORMAT),
            release.__version__,
            sys.version,
            importlib.util.MAGIC_NUMBER.hex(),
            module_fqn,
            json.dumps([mu_paths, collection_paths]),
            repr(module_common.C.config.get_config_value("_MODULE_METADATA")),
        ):
            digest.update(part.encode() + b"\0")
        digest.update(module_data if isinstance(module_data, bytes) else str(module_data).encode())
        return digest.hexdigest()

    def _watched(self, files):
        """The paths whose stat a cached payload depends on: its files, their directories, the module_utils search
        paths and, for each collection namespace in it, that namespace's directory in every collection path."""
        mu_paths, collection_paths = self._search_paths()
        paths = set(mu_paths)
        namespaces = set()
        for name, _content, origin in files:
            if origin:
                paths.add(origin)
                paths.add(os.path.dirname(origin))
            parts = name.split("/")
            if parts[0] == "ansible_collections" and len(parts) > 2:
                namespaces.add(parts[1])
        for root in collection_paths:
            for namespace in namespaces:
                paths.add(os.path.join(root, "ansible_collections", namespace))
        return {path: _stat(path) for path in sorted(paths)}

    @staticmethod
    def cacheable(files) -> bool:
        return all(origin or name in _SYNTHETIC or not content for name, content, origin in files)

    # -- the wrapped function
    def recursive_finder(self, name, module_fqn, module_data, zf, date_time, extension_manager, *args, **kwargs):
        if getattr(extension_manager, "extension_names", None) or getattr(extension_manager, "debugger_enabled", 0):
            return self.original(name, module_fqn, module_data, zf, date_time, extension_manager, *args, **kwargs)
        key = self.key(module_fqn, module_data)
        path = os.path.join(self.directory, key + ".zip")
        try:
            hit = self._load(path)
        except Exception as ex:  # pylint: disable=broad-exception-caught  # a bad entry is a miss, never a failure
            display.vvv(f"module_payload_cache: ignoring {path}: {ex}")
            hit = None
        if hit is not None:
            metadata, entries = hit
            for entry_name, content in entries:
                zf.writestr(module_common._make_zinfo(entry_name, date_time, zf=zf), content)
            display.vvvv(f"module_payload_cache: {module_fqn} from {path}")
            return metadata

        recorder = _RecordingZip(zf)
        metadata = self.original(name, module_fqn, module_data, recorder, date_time, extension_manager, *args, **kwargs)
        if not self.cacheable(recorder.files):
            display.vvv(f"module_payload_cache: {module_fqn} has a file of unknown origin; not cached")
            return metadata
        module_name = "/".join(module_fqn.split(".")) + ".py"
        module_bytes = module_data if isinstance(module_data, bytes) else str(module_data).encode()
        compiled = [(n + "c", bytecode(c, n)) for n, c, _o in recorder.files if n.endswith(".py") and c]
        compiled.append((module_name + "c", bytecode(module_bytes, module_name)))
        for entry_name, content in compiled:
            zf.writestr(module_common._make_zinfo(entry_name, date_time, zf=zf), content)
        try:
            self._store(path, metadata, recorder.files, compiled)
        except Exception as ex:  # pylint: disable=broad-exception-caught  # an unwritable cache costs time only
            display.vvv(f"module_payload_cache: could not write {path}: {ex}")
        return metadata

    # -- storage
    def _load(self, path):
        if not os.path.exists(path):
            return None
        with zipfile.ZipFile(path) as cached:
            manifest = json.loads(cached.read(MANIFEST))
            if manifest.get("format") != FORMAT:
                return None
            for watched, stat in manifest["watched"].items():
                if _stat(watched) != stat:
                    display.vvvv(f"module_payload_cache: {watched} changed; building the payload again")
                    return None
            cls = module_common.metadata_versions[manifest["metadata"]["version"]]
            metadata = cls(**manifest["metadata"]["fields"])
            entries = [(name, cached.read("files/" + name)) for name in manifest["files"]]
        os.utime(path)  # the entry's last use, for pruning
        return metadata, entries

    def _store(self, path, metadata, files, compiled):
        version = next(v for v, cls in module_common.metadata_versions.items() if isinstance(metadata, cls))
        manifest = {
            "format": FORMAT,
            "watched": self._watched(files),
            "metadata": {"version": version, "fields": dataclasses.asdict(metadata)},
            "files": [name for name, _c, _o in files] + [name for name, _c in compiled],
        }
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.directory, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as out:
                out.writestr(MANIFEST, json.dumps(manifest))
                for name, content in [(n, c) for n, c, _o in files] + compiled:
                    out.writestr("files/" + name, content)
            os.replace(temp, path)  # atomic: a concurrent reader sees the old entry or the whole new one
        except BaseException:
            os.unlink(temp)
            raise
        self.prune()

    def prune(self):
        cutoff = time.time() - self.max_age
        for entry in os.scandir(self.directory):
            try:
                stale = entry.stat().st_mtime < cutoff
                # a .part file older than an hour is the remains of a run that was killed while writing
                stale = stale or (entry.name.endswith(".part") and entry.stat().st_mtime < time.time() - 3600)
                if stale:
                    os.unlink(entry.path)
            except OSError:
                pass


def install(directory: str, max_age_days: int):
    """Wrap ansible-core's recursive_finder with the cache (once); return the cache, or None if not possible."""
    if module_common is None or not hasattr(module_common, "recursive_finder"):
        return None
    current = module_common.recursive_finder
    if isinstance(getattr(current, "__self__", None), PayloadCache):
        current.__self__.directory = directory
        return current.__self__
    required = ("_make_zinfo", "metadata_versions", "module_utils_loader", "_MODULE_UTILS_PATH")
    if not all(hasattr(module_common, name) for name in required):
        return None
    cache = PayloadCache(directory, max_age_days, current)
    module_common.recursive_finder = cache.recursive_finder
    return cache


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fargatedemo.ecs_delivery.module_payload_cache"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        directory = os.path.expanduser(self.get_option("cache_dir"))
        if install(directory, self.get_option("max_age_days")) is None:
            self._display.vvv("module_payload_cache: this ansible-core is not supported; payloads are built as usual")
