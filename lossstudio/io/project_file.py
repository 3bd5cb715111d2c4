"""Reading and writing ``.lsproj`` project files (SPEC §10), io layer.

Loading goes through stages: parse JSON, check the envelope (format, schema version),
migrate, then build a fresh model block by block and link by link. Any problem gives
one ``ProjectFileError`` naming the place; the caller's current project is never
touched and no partial model escapes. Saving writes a temporary file beside the
target and renames it over the old one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from lossstudio.core.blocks import BLOCKS
from lossstudio.core.errors import GraphError, ParameterError
from lossstudio.core.graph import Link, Node
from lossstudio.core.project_model import DatasetRef, ProjectModel, coerce_params
from lossstudio.core.settings import RunSettings
from lossstudio.io.errors import ProjectFileError
from lossstudio.io.migrations import FORMAT, SCHEMA_VERSION, migrate

Model = TypeVar("Model", bound=ProjectModel)


def project_to_dict(model: ProjectModel, base_dir: Path | None = None) -> dict[str, Any]:
    """The project as a JSON-able document (also the snapshot a run trains)."""
    dataset = None
    if model.dataset is not None:
        dataset = {
            "path": _stored_path(model.dataset.path, base_dir),
            "features": json.loads(json.dumps(model.dataset.features)),
        }
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "dataset": dataset,
        "blocks": [
            {
                "id": node.id,
                "type": node.type,
                "position": [node.position[0], node.position[1]],
                "params": node.copy().params,
            }
            for node in model.graph.nodes.values()
        ],
        "links": [
            {"id": link.id, "source": link.source, "target": link.target, "port": link.port}
            for link in model.graph.links.values()
        ],
        "settings": model.settings.to_dict(),
    }


def _stored_path(path: str, base_dir: Path | None) -> str:
    if base_dir is None or not os.path.isabs(path):
        return path
    try:
        return Path(os.path.relpath(path, base_dir)).as_posix()
    except ValueError:
        return path


def write_project(model: ProjectModel, path: str | os.PathLike[str]) -> None:
    """Save atomically: a temporary file in the same folder, renamed over ``path``."""
    target = Path(path)
    text = json.dumps(project_to_dict(model, target.parent.resolve()), indent=2) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or "."
        )
    except OSError as error:
        raise ProjectFileError(str(target), f"cannot write here ({error.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ProjectFileError(str(target), f"cannot save ({error.strerror})") from None


def read_project(
    path: str | os.PathLike[str], factory: Callable[[], Model] = ProjectModel  # type: ignore[assignment]
) -> Model:
    """Load a project file into a fresh model made by ``factory``."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(str(source), "no such file") from None
    except OSError as error:
        raise ProjectFileError(str(source), f"cannot read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (some Windows editors) is fine
    except UnicodeDecodeError as error:
        raise ProjectFileError(
            str(source), f"not UTF-8 text (byte {error.start}); is this a project file?"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectFileError(
            str(source), f"line {error.lineno}, column {error.colno}: malformed JSON ({error.msg})"
        ) from None
    except RecursionError:
        raise ProjectFileError(str(source), "malformed JSON (nested too deeply)") from None
    return project_from_dict(document, str(source), source.resolve().parent, factory)


def project_from_dict(
    document: Any,
    source: str = "<project>",
    base_dir: Path | None = None,
    factory: Callable[[], Model] = ProjectModel,  # type: ignore[assignment]
) -> Model:
    """Build a model from a parsed document; ``ProjectFileError`` names any bad place."""
    document = _checked_envelope(document, source)
    model = factory()
    _load_dataset(model, document.get("dataset"), source, base_dir)
    _load_blocks(model, _list(document, "blocks", source), source)
    _load_links(model, _list(document, "links", source), source)
    settings = document.get("settings", {})
    if not isinstance(settings, Mapping):
        raise ProjectFileError(source, "'settings' must be an object")
    try:
        model.settings = RunSettings.from_dict(settings)
    except ParameterError as error:
        raise ProjectFileError(source, f"settings: {error}") from None
    return model


def _checked_envelope(document: Any, source: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ProjectFileError(source, "the top level must be a JSON object")
    if document.get("format") != FORMAT:
        raise ProjectFileError(
            source, f"not a LossStudio project ('format' must be {FORMAT!r})"
        )
    version = document.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectFileError(source, "'schema_version' must be a whole number ≥ 1")
    if version > SCHEMA_VERSION:
        raise ProjectFileError(
            source,
            f"written by a newer LossStudio (schema version {version}); this version reads "
            f"up to {SCHEMA_VERSION}. Update LossStudio to open it.",
        )
    return migrate(dict(document), version)


def _list(document: Mapping[str, Any], key: str, source: str) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise ProjectFileError(source, f"{key!r} must be a list")
    return value


def _load_dataset(model: ProjectModel, entry: Any, source: str, base_dir: Path | None) -> None:
    if entry is None:
        return
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise ProjectFileError(source, "'dataset' must be an object with a 'path' string")
    features = entry.get("features", {})
    if not isinstance(features, dict) or not all(isinstance(v, dict) for v in features.values()):
        raise ProjectFileError(source, "dataset 'features' must map names to objects")
    path = entry["path"]
    if base_dir is not None and not os.path.isabs(path):
        path = str((base_dir / path).resolve())
    model.dataset = DatasetRef(path, features)


def _load_blocks(model: ProjectModel, entries: list[Any], source: str) -> None:
    for index, entry in enumerate(entries):
        place = f"blocks[{index}]"
        if not isinstance(entry, dict):
            raise ProjectFileError(source, f"{place} must be an object")
        node_id, type_id = entry.get("id"), entry.get("type")
        if not isinstance(node_id, str) or not node_id:
            raise ProjectFileError(source, f"{place} has no 'id' string")
        place = f"block {node_id!r} ({place})"
        if node_id in model.graph.nodes:
            raise ProjectFileError(source, f"{place}: the id is used twice")
        if type_id not in BLOCKS:
            raise ProjectFileError(
                source, f"{place}: unknown block type {type_id!r}; known: {', '.join(BLOCKS)}"
            )
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise ProjectFileError(source, f"{place}: 'params' must be an object")
        values = BLOCKS[type_id].defaults()
        try:
            values.update(coerce_params(type_id, params))
        except ParameterError as error:
            raise ProjectFileError(source, f"{place}: {error}") from None
        model.graph.add_node(Node(node_id, type_id, values, _position(entry, place, source)))


def _position(entry: Mapping[str, Any], place: str, source: str) -> tuple[float, float]:
    position = entry.get("position", [0, 0])
    if (
        not isinstance(position, list) or len(position) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
    ):
        raise ProjectFileError(source, f"{place}: 'position' must be two numbers")
    return (float(position[0]), float(position[1]))


def _load_links(model: ProjectModel, entries: list[Any], source: str) -> None:
    for index, entry in enumerate(entries):
        place = f"links[{index}]"
        if not isinstance(entry, dict):
            raise ProjectFileError(source, f"{place} must be an object")
        link_id, start, end = entry.get("id"), entry.get("source"), entry.get("target")
        port = entry.get("port", 0)
        if not (isinstance(link_id, str) and isinstance(start, str) and isinstance(end, str)):
            raise ProjectFileError(source, f"{place} needs 'id', 'source' and 'target' strings")
        ends = (start, end)
        if isinstance(port, bool) or not isinstance(port, int):
            raise ProjectFileError(source, f"link {link_id!r} ({place}): 'port' must be a number")
        for end in ends:
            if end not in model.graph.nodes:
                raise ProjectFileError(
                    source, f"link {link_id!r} ({place}) points to a missing block {end!r}"
                )
        try:
            model.graph.add_link(Link(link_id, ends[0], ends[1], port))
        except (GraphError, ValueError) as error:
            raise ProjectFileError(source, f"link {link_id!r} ({place}): {error}") from None
