"""The desktop application of LossStudio (PySide6 and pyqtgraph live only here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossstudio.app.main_window import MainWindow

__all__ = ["MainWindow"]


def __getattr__(name: str) -> Any:
    """``MainWindow`` is imported on first use (subpackages stay light to import)."""
    if name == "MainWindow":
        from lossstudio.app.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
