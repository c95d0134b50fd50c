"""What a trained model depends on beyond Rasa's own view: data files and our helper modules.

Rasa's training cache keys a component on its config, its inputs and the source of its *class*
only. Our tokenizer and entity extractor also read editor files (the lexicon, places) and call
module-level helpers (``anninh.text``, ``anninh.lexicon`` …); without more, an edit there leaves
the key unchanged and ``rasa train`` restores stale featurizers from the cache. The components'
``fingerprint_addon`` hashes those files with :func:`fingerprint`; ``module_files`` finds the
project modules a component imports, transitively, so the list never has to be kept by hand.

No Rasa import here: the Makefile runs ``python -m anninh.fingerprint MODULE…`` to list the
helper modules among the training inputs of ``make train``.
"""
from __future__ import annotations

import ast
import hashlib
import sys
from pathlib import Path
from typing import Iterable, List, Optional, Set

from anninh import PROJECT_ROOT

# Top-level packages whose modules belong to the project (everything else is a dependency,
# covered by Rasa through the component's ``required_packages``).
PROJECT_PACKAGES = ("anninh", "components")


def _module_file(name: str) -> Optional[Path]:
    """The source file of a project module ``a.b.c``, or None when it is not ours."""
    if name.split(".")[0] not in PROJECT_PACKAGES:
        return None
    base = PROJECT_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path, package: str) -> Iterable[str]:
    """Names of the modules one source file imports (``from x import y``: ``x`` and ``x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield base
            for alias in node.names:
                yield f"{base}.{alias.name}"


def module_files(module: str) -> List[Path]:
    """``module``'s source file and those of the project modules it imports, transitively."""
    seen: Set[str] = set()
    files: Set[Path] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        files.add(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo.extend(_imported_modules(path, package))
    return sorted(files)


def fingerprint(paths: Iterable[Path]) -> str:
    """One hash over the names and contents of ``paths`` (a missing file counts as such)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def main(argv: List[str]) -> int:
    """Print, relative to the project, the source files the given modules depend on."""
    files: Set[Path] = set()
    for module in argv:
        files.update(module_files(module))
    print(" ".join(str(p.relative_to(PROJECT_ROOT)) for p in sorted(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
