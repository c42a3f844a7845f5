"""Serve chosen front-end files from node_modules (installed by `npm ci`) as static files.

Only the files listed here are exposed, under `vendor/`, so collectstatic copies a few
megabytes rather than whole packages and no third-party file is committed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

VENDOR_FILES = {
    "vendor/bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.rtl.min.css": "bootstrap/dist/css/bootstrap.rtl.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "vendor/swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "vendor/swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
}


class NodeModulesFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(settings.NODE_MODULES_DIR)
        self.storage = FileSystemStorage(location=str(self.root))

    def check(self, **kwargs):
        missing = [src for src in VENDOR_FILES.values() if not (self.root / src).is_file()]
        if missing:
            return [
                Error(
                    f"Front-end files missing from {self.root}: {', '.join(missing)}",
                    hint="Run `npm ci` (or `make setup`).",
                    id="tongxin.E001",
                )
            ]
        return []

    def find(self, path, find_all=False, **kwargs):
        source = VENDOR_FILES.get(path)
        if source is None:
            return [] if find_all else None
        full = str(self.root / source)
        if not Path(full).is_file():
            return [] if find_all else None
        return [full] if find_all else full

    def list(self, ignore_patterns):
        for target, source in VENDOR_FILES.items():
            if (self.root / source).is_file():
                yield target, _RenamingStorage(self.root, source, target)


class _RenamingStorage(FileSystemStorage):
    """Lets collectstatic copy node_modules/<source> to STATIC_ROOT/<target>."""

    def __init__(self, root: Path, source: str, target: str) -> None:
        super().__init__(location=str(root))
        self._source, self._target = source, target

    def path(self, name):
        return super().path(self._source if name == self._target else name)

    def open(self, name, mode="rb"):
        return super().open(self._source if name == self._target else name, mode)

    def get_modified_time(self, name):
        return super().get_modified_time(self._source if name == self._target else name)
