"""The version of LossStudio (one place, read by the package and the run records)."""

__version__ = "0.1.0"
