"""The desktop application of LossStudio (PySide6 and pyqtgraph live only here)."""
