"""The scripting API of SPEC §9: ``Project`` (above the engine, below the app).

``Project`` adds files, data and training to the core's ``ProjectModel``. The data
layer is imported when a dataset is attached; torch only when ``train`` is called, so
the app can hold a ``Project`` without importing torch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lossstudio.core.project_model import DatasetRef, ProjectModel
from lossstudio.io.project_file import project_to_dict, read_project, write_project

if TYPE_CHECKING:
    from lossstudio.data import Dataset
    from lossstudio.runs import LoadedRun


class Project(ProjectModel):
    """A LossStudio project: the model graph, run settings and dataset."""

    def __init__(self) -> None:
        super().__init__()
        self.path: Path | None = None
        self._dataset_cache: tuple[tuple[str, str], Dataset] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str], load_data: bool = True) -> Project:
        """Open a ``.lsproj`` file; ``ProjectFileError`` names any problem.

        With ``load_data=False`` the dataset is left unread (the app reads it in the
        background and validates again when it arrives).
        """
        project = read_project(path, cls)
        project.path = Path(path).resolve()
        if load_data:
            project._refresh_facts(strict=False)
        return project

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save atomically to ``path`` (or where it was loaded from); returns the path."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this project has no file yet; give a path")
        write_project(self, target)
        self.path = target.resolve()
        return self.path

    def snapshot(self) -> dict[str, Any]:
        """The project as a plain dict, with an absolute dataset path (what a run trains)."""
        return project_to_dict(self)

    def use_dataset(
        self,
        path: str | os.PathLike[str],
        features: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Dataset:
        """Attach a dataset (CSV, NPZ or NPY); ``DataError`` names any problem in it."""
        resolved = Path(path)
        if not resolved.is_absolute() and self.path is not None:
            resolved = self.path.parent / resolved
        configs = {name: dict(config) for name, config in (features or {}).items()}
        self.dataset = DatasetRef(str(resolved.resolve()), configs)
        return self._refresh_facts(strict=True)  # type: ignore[return-value]

    def load_dataset(self) -> Dataset:
        """The attached dataset, loaded (cached while its path and encodings stay)."""
        from lossstudio.data import load_dataset_for

        if self.dataset is None:
            raise ValueError("no dataset is attached; call use_dataset(path) first")
        key = (self.dataset.path, repr(sorted(self.dataset.features.items())))
        if self._dataset_cache is None or self._dataset_cache[0] != key:
            self._dataset_cache = (key, load_dataset_for(self.dataset))
        return self._dataset_cache[1]

    def _refresh_facts(self, strict: bool) -> Dataset | None:
        from lossstudio.data import DataError

        if self.dataset is None:
            self.facts = None
            return None
        try:
            dataset = self.load_dataset()
        except DataError:
            self.facts = None
            if strict:
                raise
            return None
        self.facts = dataset.facts()
        return dataset

    def train(self, runs_dir: str | os.PathLike[str] | None = None, **settings: Any) -> LoadedRun:
        """Train headless with the run settings (keywords override them for this run).

        Returns the finished run (``status``, ``history``, ``best_epoch``, ``path``).
        """
        from lossstudio.engine.session import train_project

        folder = Path(runs_dir) if runs_dir is not None else self.default_runs_dir()
        return train_project(self, folder, self.settings.replace(**settings))

    def default_runs_dir(self) -> Path:
        """``runs/`` beside the project file, or in the working folder when unsaved."""
        return (self.path.parent if self.path else Path.cwd()) / "runs"
