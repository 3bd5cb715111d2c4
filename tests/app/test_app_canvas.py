"""The canvas driven with real mouse events: place, connect, refuse, move, select, zoom."""

from __future__ import annotations

from app_helpers import build_model, drag, settle, viewport_point
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lossstudio.app import MainWindow
from lossstudio.app.canvas import BLOCK_MIME, BlockItem, LinkItem
from lossstudio.app.canvas.block_item import PortHighlight


def test_palette_double_click_adds_a_block_in_the_middle(window: MainWindow, qtbot) -> None:
    palette = window.block_palette
    entry = palette.block_item("dense")
    assert entry is not None
    rect = palette.tree.visualItemRect(entry)
    QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, rect.center())
    assert [node.type for node in window.project.graph.nodes.values()] == ["dense"]
    node_id = next(iter(window.project.graph.nodes))
    item = window.canvas.item_for(node_id)
    centre = window.canvas.visible_scene_centre()
    assert item.sceneBoundingRect().contains(centre)
    assert item.isSelected()
    assert window.undo_stack.count() == 1


def test_palette_enter_adds_the_current_block(window: MainWindow) -> None:
    tree = window.block_palette.tree
    tree.setFocus()
    tree.setCurrentItem(window.block_palette.block_item("flatten"))
    QTest.keyClick(tree, Qt.Key.Key_Return)
    assert [node.type for node in window.project.graph.nodes.values()] == ["flatten"]


def test_palette_search_filters_blocks(window: MainWindow) -> None:
    window.block_palette.search.setText("pool")
    assert window.block_palette.visible_types() == ["max_pooling2d", "global_average_pooling2d"]
    window.block_palette.search.setText("")
    assert "dense" in window.block_palette.visible_types()


def _drop(window: MainWindow, mime: QMimeData, point: QPoint) -> bool:
    """Send the events of a real drag: enter, move, drop; True when accepted."""
    viewport = window.canvas.viewport()
    rest = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(point, *rest)
    QApplication.sendEvent(viewport, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(viewport, QDragMoveEvent(point, *rest))
    drop = QDropEvent(QPointF(point), *rest)
    QApplication.sendEvent(viewport, drop)
    if drop.isAccepted():
        assert drop.dropAction() is Qt.DropAction.CopyAction  # never a "move" from the palette
    return drop.isAccepted()


def test_drop_from_the_palette_places_the_block_at_the_drop_point(window: MainWindow) -> None:
    mime = window.block_palette.tree.mimeData([window.block_palette.block_item("conv2d")])
    assert mime.hasFormat(BLOCK_MIME)
    target = QPoint(200, 150)
    assert _drop(window, mime, target)
    (node,) = window.project.graph.nodes.values()
    assert node.type == "conv2d"
    scene_point = window.canvas.mapToScene(target)
    assert window.canvas.item_for(node.id).sceneBoundingRect().contains(scene_point)


def test_drop_of_text_is_not_accepted(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setText("dense")
    assert not _drop(window, mime, QPoint(100, 100))
    assert not window.project.graph.nodes


def test_drop_of_an_unknown_block_type_adds_nothing(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setData(BLOCK_MIME, QByteArray(b"no_such_block"))
    assert not _drop(window, mime, QPoint(100, 100))
    assert not window.project.graph.nodes
    assert "Unknown block type" in window.statusBar().currentMessage()


def _port_points(window: MainWindow, source: str, target: str,
                 port: int = 0) -> tuple[QPoint, QPoint]:
    out = window.canvas.item_for(source).output_port
    into = window.canvas.item_for(target).input_ports[port]
    assert out is not None
    return viewport_point(window, out.scenePos()), viewport_point(window, into.scenePos())


def test_connect_two_ports_with_the_mouse(window: MainWindow) -> None:
    project = window.project
    a = project.add("input", feature="x", position=(0.0, 0.0))
    b = project.add("dense", position=(260.0, 40.0))
    start, end = _port_points(window, a, b)
    viewport = window.canvas.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    tool = window.scene.connect_tool
    assert tool.active and tool.rubber is not None
    assert window.canvas.item_for(b).input_ports[0].highlight is PortHighlight.CANDIDATE
    QTest.mouseMove(viewport, end)
    assert window.canvas.item_for(b).input_ports[0].highlight is PortHighlight.HOVER
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    (link,) = project.graph.links.values()
    assert (link.source, link.target, link.port) == (a, b, 0)
    assert not tool.active
    assert window.canvas.item_for(b).input_ports[0].highlight is PortHighlight.NONE
    assert any(isinstance(item, LinkItem) for item in window.scene.items())
    window.undo_stack.undo()
    assert not project.graph.links
    assert not [item for item in window.scene.items() if isinstance(item, LinkItem)]
    window.undo_stack.redo()
    assert len(project.graph.links) == 1


def test_a_cycle_is_refused_with_a_reason_and_no_edit(window: MainWindow) -> None:
    ids = build_model(window.project)
    before = window.undo_stack.count()
    start, end = _port_points(window, ids["last"], ids["hidden"])
    viewport = window.canvas.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    hidden_port = window.canvas.item_for(ids["hidden"]).input_ports[0]
    assert hidden_port.highlight is PortHighlight.NONE  # cannot accept: cycle and occupied
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert window.undo_stack.count() == before
    assert len(window.project.graph.links) == 3
    message = window.statusBar().currentMessage()
    assert message.startswith("Cannot connect")
    assert "occupied" in message or "already connected" in message or "cycle" in message


def test_a_cycle_into_a_free_port_names_the_cycle(window: MainWindow) -> None:
    project = window.project
    a = project.add("dense", position=(0.0, 0.0))
    b = project.add("dense", position=(260.0, 0.0))
    project.connect(a, b)
    start, end = _port_points(window, b, a)
    drag(window.canvas.viewport(), start, end)
    assert len(project.graph.links) == 1
    assert "cycle" in window.statusBar().currentMessage()


def test_dropping_on_a_block_uses_its_first_free_input(window: MainWindow) -> None:
    project = window.project
    a = project.add("input", feature="x", position=(0.0, 0.0))
    b = project.add("dense", position=(300.0, 100.0))
    start, _ = _port_points(window, a, b)
    centre = viewport_point(window, window.canvas.item_for(b).sceneBoundingRect().center())
    drag(window.canvas.viewport(), start, centre)
    (link,) = project.graph.links.values()
    assert (link.source, link.target) == (a, b)


def test_dragging_a_connected_input_moves_or_removes_the_link(window: MainWindow) -> None:
    project = window.project
    a = project.add("input", feature="x", position=(0.0, 0.0))
    b = project.add("dense", position=(260.0, 0.0))
    c = project.add("dense", position=(260.0, 160.0))
    project.connect(a, b)
    _, b_in = _port_points(window, a, b)
    _, c_in = _port_points(window, a, c)
    drag(window.canvas.viewport(), b_in, c_in)
    (link,) = project.graph.links.values()
    assert (link.source, link.target) == (a, c)
    assert window.undo_stack.undoText() == "Move link"
    empty = viewport_point(window, QPointF(600.0, 400.0))
    drag(window.canvas.viewport(), c_in, empty)
    assert not project.graph.links
    window.undo_stack.undo()
    window.undo_stack.undo()
    (link,) = project.graph.links.values()
    assert (link.source, link.target) == (a, b)


def test_moving_blocks_is_one_undo_step(window: MainWindow) -> None:
    ids = build_model(window.project)
    scene = window.scene
    scene.select_blocks([ids["input"], ids["hidden"]])
    item = window.canvas.item_for(ids["hidden"])
    start = viewport_point(window, item.sceneBoundingRect().center())
    zoom = window.canvas.zoom()
    QTest.mousePress(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, start)
    QTest.mouseRelease(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.ControlModifier, start)
    scene.select_blocks([ids["input"], ids["hidden"]])
    count = window.undo_stack.count()
    drag(window.canvas.viewport(), start, start + QPoint(50, 30))
    graph = window.project.graph
    dx, dy = graph.nodes[ids["hidden"]].position
    assert abs(dx - (240.0 + 50 / zoom)) < 2 and abs(dy - 30 / zoom) < 2
    assert graph.nodes[ids["input"]].position != (0.0, 0.0)
    assert graph.nodes[ids["last"]].position == (480.0, 0.0)
    assert window.undo_stack.count() == count + 1
    window.undo_stack.undo()
    assert graph.nodes[ids["hidden"]].position == (240.0, 0.0)
    assert graph.nodes[ids["input"]].position == (0.0, 0.0)
    assert item.pos() == QPointF(240.0, 0.0)


def test_rubber_band_selects_the_blocks_it_touches(window: MainWindow) -> None:
    ids = build_model(window.project)
    settle(window)
    first = window.canvas.item_for(ids["input"]).sceneBoundingRect()
    second = window.canvas.item_for(ids["hidden"]).sceneBoundingRect()
    start = viewport_point(window, first.topLeft() + QPointF(-30, -40))
    end = viewport_point(window, second.bottomLeft() + QPointF(20, 30))
    drag(window.canvas.viewport(), start, end)
    assert window.scene.selected_block_ids() == [ids["input"], ids["hidden"]]
    assert window.properties.selection == [ids["input"], ids["hidden"]]


def test_delete_key_removes_the_selection_as_one_step(window: MainWindow) -> None:
    ids = build_model(window.project)
    window.scene.select_blocks([ids["hidden"], ids["last"]])
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert set(window.project.graph.nodes) == {ids["input"], ids["target"]}
    assert not window.project.graph.links
    window.undo_stack.undo()
    assert len(window.project.graph.nodes) == 4 and len(window.project.graph.links) == 3


def test_a_selected_link_can_be_deleted(window: MainWindow) -> None:
    ids = build_model(window.project)
    link_id = next(iter(window.project.graph.links))
    window.scene.clearSelection()
    window.scene.links[link_id].setSelected(True)
    window.actions_.delete.trigger()
    assert link_id not in window.project.graph.links
    assert len(window.project.graph.nodes) == 4
    assert ids


def test_wheel_zooms_around_the_cursor(window: MainWindow) -> None:
    build_model(window.project)
    view = window.canvas
    point = QPointF(300, 200)
    before = view.mapToScene(point.toPoint())
    zoom = view.zoom()
    event = QWheelEvent(point, view.viewport().mapToGlobal(point), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom() > zoom * 1.2
    after = view.mapToScene(point.toPoint())
    assert abs(after.x() - before.x()) * view.zoom() < 3
    assert abs(after.y() - before.y()) * view.zoom() < 3


def test_fit_shows_every_block_and_zoom_actions_step(window: MainWindow) -> None:
    project = window.project
    for index in range(12):
        project.add("dense", position=(index * 400.0, (index % 3) * 300.0))
    view = window.canvas
    window.actions_.zoom_fit.trigger()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in window.scene.blocks.values():
        assert visible.contains(item.sceneBoundingRect())
    zoom = view.zoom()
    window.actions_.zoom_in.trigger()
    assert view.zoom() > zoom
    window.actions_.zoom_out.trigger()
    window.actions_.zoom_out.trigger()
    assert view.zoom() < zoom
    assert window.zoom_label.text().endswith("%")


def test_middle_button_pans(window: MainWindow) -> None:
    build_model(window.project)
    view = window.canvas
    before = view.mapToScene(QPoint(100, 100))
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(200, 200))
    QTest.mouseMove(viewport, QPoint(150, 170))
    QTest.mouseRelease(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(150, 170))
    after = view.mapToScene(QPoint(100, 100))
    assert after.x() > before.x() and after.y() > before.y()


def test_blocks_show_title_parameters_and_shape(window: MainWindow) -> None:
    ids = build_model(window.project)
    settle(window)
    item = window.canvas.item_for(ids["hidden"])
    assert isinstance(item, BlockItem)
    assert item.summary == "64 units · ReLU"
    assert item.shape_text == "→ ?"  # no dataset: shapes unknown
    window.project.set(ids["hidden"], units=128)
    assert item.summary == "128 units · ReLU"


def test_right_click_selects_the_block_for_the_context_menu(window: MainWindow) -> None:
    ids = build_model(window.project)
    window.scene.select_blocks([ids["input"]])
    centre = viewport_point(window, window.canvas.item_for(ids["last"]).sceneBoundingRect()
                            .center())
    QTest.mousePress(window.canvas.viewport(), Qt.MouseButton.RightButton,
                     Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseRelease(window.canvas.viewport(), Qt.MouseButton.RightButton,
                       Qt.KeyboardModifier.NoModifier, centre)
    assert window.scene.selected_block_ids() == [ids["last"]]
    menu = [action.text() for action in window.canvas.actions() if not action.isSeparator()]
    assert menu == ["Cu&t", "&Copy", "&Paste", "&Delete", "Select &All", "&Fit to View"]
    assert window.canvas.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
