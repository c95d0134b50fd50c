"""``python -m anninh.directory [units.yml]``: print the directory's errors and warnings."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from anninh.content import print_problems
from anninh.directory.model import UNITS_FILE
from anninh.directory.validation import validate_units


def main(argv: Sequence[str] = ()) -> int:
    path = Path(argv[0]) if argv else UNITS_FILE
    problems = validate_units(path)
    for w in problems.warnings:
        print(f"  ! {w}")
    if print_problems(problems):
        return 1
    print(f"✓ Danh bạ hợp lệ ({len(problems.warnings)} lưu ý, phần lớn là đơn vị chưa có số "
          "điện thoại).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
