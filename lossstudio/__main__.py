"""``python -m lossstudio`` (also what ``torchrun -m lossstudio`` runs)."""

from __future__ import annotations

import sys

from lossstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
