"""Bundled resources of LossStudio: icons and example datasets and projects."""
