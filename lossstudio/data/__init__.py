"""Datasets of LossStudio: CSV/NPZ/NPY loading, features, encodings, splits (numpy)."""
