"""Zalo An ninh: shared library code (text normalisation, content loading, answer rendering)."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_ROOT / "content"
