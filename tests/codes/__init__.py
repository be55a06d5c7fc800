"""Tests of the QR code formats (backend.codes.format, base45, ed25519) and their vectors."""

import sys
from pathlib import Path

# pytest puts tests/ (not the repo root) on sys.path for this package; make `backend` importable
# without an install. Harmless once the root is on the path by other means.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
