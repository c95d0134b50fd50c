"""``python -m anninh.officer``."""
import sys

from .cli import main

sys.exit(main())
