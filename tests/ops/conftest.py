"""Operations tests: import paths for the Zalo test support (fake API, stack, event builders)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "tests" / "fakes", ROOT / "tests" / "zalo"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
