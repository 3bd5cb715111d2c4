"""Load torch's main native library without holding the GIL (app layer).

``import torch`` opens ``libtorch_cpu`` (hundreds of megabytes of code) while holding
the GIL, and its relocations and static initialisers take about a quarter of a
second: the first Train or Export of a session froze the window that long. A worker
thread calls ``preload_torch`` before importing torch: it opens the same library
through libc's ``dlopen``, a foreign call during which ctypes releases the GIL, so the
window keeps painting; the import then finds the library already loaded. Without a
library where one is expected (another platform or torch build) it does nothing.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import sys
from pathlib import Path

LOG = logging.getLogger(__name__)


def torch_library() -> Path | None:
    """The path of torch's ``libtorch_cpu`` shared library, found without importing torch."""
    if os.name != "posix":
        return None
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return None
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    library = Path(spec.origin).parent / "lib" / f"libtorch_cpu{suffix}"
    return library if library.is_file() else None


def preload_torch() -> bool:
    """Open ``libtorch_cpu`` with the GIL released, unless torch is imported already;
    True when it was opened here."""
    if "torch" in sys.modules:
        return False
    library = torch_library()
    if library is None:
        return False
    try:
        dlopen = ctypes.CDLL(None).dlopen
    except (OSError, AttributeError):
        return False
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    handle = dlopen(os.fsencode(library), os.RTLD_NOW | os.RTLD_LOCAL)
    if not handle:
        LOG.info("could not preload %s; torch loads it itself", library)
        return False
    return True
