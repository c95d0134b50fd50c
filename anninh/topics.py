"""Two topics in one message, and an age that rules out an age-specific procedure.

Hooks used by ``anninh.resolver.Resolver.resolve``:

* ``split_tie``: two procedures of the same family tie, each named by its own words at its own
  place ("tách hộ … và nhập khẩu …", "mất thẻ căn cước, làm lại xong … kích hoạt định danh"):
  these are two questions, not one vague one. The first named is answered, the other offered.
* ``drop_too_old``: an alias of an age-specific procedure ("căn cước cho con") with an age at or
  above its limit ("con 15 tuổi") means the family's general procedure (its first procedure
  without an age limit).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from anninh.catalogue import Catalogue
from anninh.phrases import Match


def _spans(matches: Sequence[Match], key: str) -> List[Tuple[int, int]]:
    return [(m.start, m.end) for m in matches if m.key == key]


def _overlap(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def split_tie(matches: Sequence[Match], best: Sequence[str]) -> Optional[Tuple[str, str]]:
    """(first named, second) when exactly two tied procedures are each named somewhere the other
    is not; None when their names overlap (one vague name that fits both: ask back)."""
    if len(best) != 2:
        return None
    a, b = best
    spans_a, spans_b = _spans(matches, a), _spans(matches, b)
    own_a = [s for s in spans_a if not any(_overlap(s, o) for o in spans_b)]
    own_b = [s for s in spans_b if not any(_overlap(s, o) for o in spans_a)]
    if not own_a or not own_b:
        return None
    return (a, b) if min(own_a) < min(own_b) else (b, a)


def _instead(catalogue: Catalogue, age: Optional[int], pid: str) -> Optional[str]:
    """The family's general procedure when ``age`` rules ``pid`` out, else None."""
    limit = catalogue.procedures[pid].applies_to_age_under
    if age is None or limit is None or age < limit:
        return None
    family = catalogue.procedures[pid].family
    return next((p.id for p in catalogue.in_family(family) if p.applies_to_age_under is None), None)


def drop_too_old(catalogue: Catalogue, age: Optional[int], proc_scores: Dict[str, int]) -> None:
    """Move the score of an age-specific procedure the age rules out to its family's general one."""
    for pid in list(proc_scores):
        general = _instead(catalogue, age, pid)
        if general is not None:
            score = proc_scores.pop(pid)
            proc_scores[general] = max(proc_scores.get(general, 0), score)


def retarget(catalogue: Catalogue, age: Optional[int], matches: Sequence[Match]) -> List[Match]:
    """Name matches of a procedure the age rules out as matches of the general one."""
    out = []
    for m in matches:
        general = _instead(catalogue, age, m.key)
        out.append(Match(general, m.start, m.end, m.score) if general else m)
    return out
