"""The Evaluation view (app layer): loss and metric plots, confusion matrix or error
histogram, the runs browser, the read-only architecture of a run, and export.

``EvaluationView`` is the composite the main window embeds as its Evaluation tab; the
pieces (``EvaluationPane``, ``RunsBrowser``, ``LossPlot``…) work on their own too, and
``render_runs`` draws saved runs to a file for ``lossstudio plot``.
"""

from __future__ import annotations
