"""Entry point of the frozen LossStudio app (PyInstaller runs this file).

It runs the ``lossstudio`` command line: no arguments open the app, and every
subcommand (``train``, ``export``, …) works as in a Python install.

``LOSSSTUDIO_SMOKE_TEST=1`` checks a build instead: it opens the bundled example
project in the main window, prints ``window: <title>`` and the number of blocks and
the seconds since start, then quits (exit 0; 1 when the example did not open). Run it
with ``QT_QPA_PLATFORM=offscreen`` on a machine without a display.
"""

from __future__ import annotations

import os
import sys
import time

STARTED = time.perf_counter()


def smoke_test() -> int:
    """Open the bundled example, report what the window shows, quit."""
    from PySide6.QtCore import QTimer

    from lossstudio.app.main import create_window, ensure_application
    from lossstudio.io.examples import example_project

    app = ensure_application()
    example = example_project()
    window = create_window(example)
    window.show()
    report: dict[str, object] = {}

    def check() -> None:
        report["title"] = window.windowTitle()
        report["blocks"] = len(window.document.project.graph.nodes)
        window.close()
        app.quit()

    QTimer.singleShot(200, check)
    app.exec()
    blocks = int(report.get("blocks", 0))  # type: ignore[call-overload]
    print(f"window: {report.get('title')}")
    print(f"example: {example.name}, {blocks} blocks")
    print(f"started and shown in {time.perf_counter() - STARTED:.2f} s")
    return 0 if blocks > 0 and example.stem in str(report.get("title")) else 1


def main() -> int:
    """The command line, or the smoke test."""
    if os.environ.get("LOSSSTUDIO_SMOKE_TEST") == "1":
        return smoke_test()
    from lossstudio.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
