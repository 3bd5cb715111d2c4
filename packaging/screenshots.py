"""Write the README's screenshot of the editor: ``docs/editor.png``.

The bundled count-regression example (Poisson loss) is opened and the last Dense
block's activation is set to ReLU, which cannot fit Poisson (it can output 0): that
block turns red. The Target block is selected, so the property panel shows the loss
selector with its fit marks and the fix. ``docs/loss_selector.png`` shows that panel
with the list of losses open: grouped as the Peltarion documentation groups them, each
with when to use it and whether it fits the last block's activation.

    python packaging/screenshots.py [--output docs/editor.png]

Runs offscreen (on a 1920×1200 virtual screen) by default; under Xvfb run it with
``QT_QPA_PLATFORM=xcb``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lossstudio.app import MainWindow

ROOT = Path(__file__).resolve().parents[1]


def write_loss_selector(window: MainWindow, path: Path) -> bool:
    """The property panel with the loss list open (the popup painted over the panel)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication

    selector = window.properties.loss_selector
    if selector is None:
        return False
    panel = window.properties_dock
    selector.combo.showPopup()
    for _ in range(5):
        QApplication.processEvents()
    popup = selector.combo.view().window()
    combo = selector.combo
    popup.move(combo.mapToGlobal(combo.rect().bottomLeft()) + QPoint(0, 2))
    QApplication.processEvents()
    offset = popup.mapToGlobal(QPoint(0, 0)) - panel.mapToGlobal(QPoint(0, 0))
    height = max(panel.height(), offset.y() + popup.height() + 8)
    width = max(panel.width(), offset.x() + popup.width() + 8)
    image = panel.grab().toImage().copy(0, 0, width, height)
    painter = QPainter(image)
    painter.drawImage(offset, popup.grab().toImage())
    painter.end()
    selector.combo.hidePopup()
    return image.save(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "editor.png")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lossstudio-shot-"))
    os.environ["LOSSSTUDIO_CONFIG_DIR"] = str(folder / "config")
    if "QT_QPA_PLATFORM" not in os.environ:
        screen = folder / "screen.json"  # a 1920×1200 offscreen screen, 96 dpi
        screen.write_text('{"screens": [{"name": "shot", "x": 0, "y": 0, "width": 1920, '
                          '"height": 1200, "logicalDpi": 96, "dpr": 1}]}', encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"

    from PySide6.QtWidgets import QApplication

    from lossstudio.app.main import ensure_application
    from lossstudio.io.examples import example_project

    app = ensure_application()  # keep a reference: the application must outlive the window
    from lossstudio.app import MainWindow

    app.setApplicationDisplayName("LossStudio")

    window = MainWindow()
    window.resize(1360, 820)
    window.show()
    if not window.files.open_example(example_project("counts")):
        print("cannot open the bundled 'counts' example", file=sys.stderr)
        return 1
    deadline = time.monotonic() + 60
    while window.document.data_loader.pending and time.monotonic() < deadline:
        QApplication.processEvents()
    project = window.project
    last = next(link.source for link in project.graph.links.values()
                if link.target == project.target().id)  # type: ignore[union-attr]
    project.set(last, activation="relu")
    window.document.validation.flush()
    target = project.target()
    assert target is not None
    window.scene.select_blocks([target.id])
    window.canvas.zoom_fit()
    for _ in range(5):
        QApplication.processEvents()
    state = window.canvas.item_for(last).state
    if state != "error":
        print(f"expected the last block {last!r} to be red, it is {state}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.output)):
        print(f"cannot write {args.output}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({window.width()}×{window.height()}); "
          f"{last} is red: {window.canvas.item_for(last).toolTip().split('<br>')[-1]}")
    selector_png = args.output.with_name("loss_selector.png")
    if write_loss_selector(window, selector_png):
        print(f"wrote {selector_png}")
    window.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
