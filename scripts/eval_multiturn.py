"""Multi-turn held-out score: whole conversations through the real model and action server.

Every conversation of tests/multiturn_heldout.yml is played from its first turn with a fresh sender
against the trained model (loaded in-process with Rasa's Agent) and the real action server (started
on a free port). Each citizen turn is scored on the assistant's reply, as the file's header defines:
the procedure in context, the required content, yes/no where asked, the emergency numbers, and the
one-screen rule (the first message, before its buttons, at most 12 lines of 38 characters when its
words are wrapped at 38 characters). A conversation is fully correct when every turn passes.

    python scripts/eval_multiturn.py --min-full 0.90        # make test: fails below the share
    python scripts/eval_multiturn.py --min-full 0           # make bench: prints only
    python scripts/eval_multiturn.py --show-replies --only tam_tru   # debug a few conversations

Prints the fully-correct share per class and overall (also ignoring length) and the one-screen
share; below --min-full (or with --show-failures) one compact line per failed turn, and exits 1.
"""
from __future__ import annotations

import argparse
import asyncio
import fnmatch
import logging
import os
import re
import sys
import tempfile
import textwrap
import unicodedata
import uuid
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore")  # library deprecations: the figures are the output
warnings.showwarning = lambda *args, **kwargs: None  # TensorFlow and Rasa reset the filters

import yaml  # noqa: E402

from anninh.text import fold  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "multiturn_heldout.yml"
SCREEN_COLUMNS = 38
SCREEN_LINES = 12
EMERGENCY_NUMBERS = ("113", "114", "115")
CLASSES = ("eligibility", "expired_renew", "fines", "old_names", "two_topics", "follow_up",
           "emergency", "plain")
TURN_KEYS = {"user", "procedure", "must_contain_any", "must_not_contain", "mentions_all", "yes_no",
             "emergency", "note"}

# yes/no: the answer clause is the first sentence of the first message without its polite opening.
_OPENING = re.compile(r"^\W*(?:(?:dạ|vâng|thưa|chào)\b[\s,!.:;–—-]*)+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;\n]")
# A topic label naming the procedure or aspect before the answer ("về Đăng ký tạm trú: Có ạ.",
# "lệ phí — Khai báo tạm vắng: Không mất lệ phí."): skipped, the answer clause is what follows.
_TOPIC_LABEL = re.compile(r"^(?:về\s[^.!?;\n:]{1,80}|[^.!?;\n:—]{1,40}\s—\s[^.!?;\n:]{1,80}):\s*", re.IGNORECASE)
_NEGATIONS = ("không", "chưa", "khỏi")
_AFFIRMATIONS = ("có", "phải", "được", "cần", "bắt buộc", "đúng", "vẫn", "nên", "còn")
_ADDRESSEES = ("anh/chị", "anh chị", "anh", "chị", "bạn", "ông/bà", "cô/chú")
_ANSWER_WORDS = 8


def norm(text: str) -> str:
    """Accent- and case-free, spaces collapsed, digit group separators dropped (500.000 = 500,000)."""
    text = fold(unicodedata.normalize("NFC", text))
    text = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", text)
    return " ".join(text.split())


def screen_lines(text: str, width: int = SCREEN_COLUMNS) -> int:
    """Phone lines of ``text``: every line wrapped at ``width`` characters by words.

    Characters are counted as seen: NFC, without emoji variation selectors and joiners."""
    text = re.sub("[\ufe0e\ufe0f\u200d]", "", unicodedata.normalize("NFC", text))
    return sum(max(1, len(textwrap.wrap(line, width, break_long_words=True)))
               for line in text.split("\n"))


def answer_clause(text: str) -> str:
    """The first sentence of ``text`` after its polite opening ("Dạ, ", "Vâng, ")."""
    body = _OPENING.sub("", unicodedata.normalize("NFC", text).strip())
    body = _TOPIC_LABEL.sub("", body, count=1)
    match = _SENTENCE_END.search(body)
    return (body[:match.end()] if match else body).strip()


def _starts_with(words: Sequence[str], phrases: Sequence[str]) -> bool:
    return any(words[:len(p.split())] == p.split() for p in phrases)


def yes_no_of(text: str) -> Optional[str]:
    """"no" / "yes" / None as the file's header defines it."""
    clause = answer_clause(text)
    if clause.endswith("?"):
        return None  # a question back is not an answer
    words = re.findall(r"[\w/]+", clause.lower())
    for addressee in _ADDRESSEES:  # "Dạ, anh/chị không cần …"
        if _starts_with(words, [addressee]):
            words = words[len(addressee.split()):]
            break
    if _starts_with(words, _NEGATIONS):
        return "no"
    if _starts_with(words, _AFFIRMATIONS) and not set(words[:_ANSWER_WORDS]) & set(_NEGATIONS):
        return "yes"
    return None


# -- the held-out file -------------------------------------------------------------------------------

@dataclass
class Turn:
    user: str
    procedure: List[str] = field(default_factory=list)
    must_contain_any: List[str] = field(default_factory=list)
    must_not_contain: List[str] = field(default_factory=list)
    mentions_all: List[str] = field(default_factory=list)
    yes_no: Optional[str] = None
    emergency: bool = False


@dataclass
class Conversation:
    id: str
    klass: str
    turns: List[Turn]


def _strings(value: Any, where: str) -> List[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: expected a string or a list of strings, got {value!r}")
    return values


def load_conversations(path: Path) -> List[Conversation]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out, seen = [], set()
    for n, item in enumerate(raw.get("conversations") or []):
        cid = item.get("id") or f"#{n + 1}"
        where = f"{path.name}: conversation {cid}"
        if cid in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(cid)
        klass = item.get("class")
        if klass not in CLASSES:
            raise ValueError(f"{where}: class {klass!r} is not one of {', '.join(CLASSES)}")
        turns = []
        for k, t in enumerate(item.get("turns") or []):
            tw = f"{where}, turn {k + 1}"
            unknown = set(t) - TURN_KEYS
            if unknown or not isinstance(t.get("user"), str):
                raise ValueError(f"{tw}: needs 'user'; unknown keys {sorted(unknown)}")
            if t.get("yes_no") not in (None, "yes", "no"):
                raise ValueError(f"{tw}: yes_no must be \"yes\" or \"no\"")
            turn = Turn(user=t["user"], procedure=_strings(t.get("procedure"), tw),
                        must_contain_any=_strings(t.get("must_contain_any"), tw),
                        must_not_contain=_strings(t.get("must_not_contain"), tw),
                        mentions_all=_strings(t.get("mentions_all"), tw),
                        yes_no=t.get("yes_no"), emergency=bool(t.get("emergency")))
            if not (turn.procedure or turn.must_contain_any or turn.yes_no or turn.emergency
                    or turn.mentions_all):
                raise ValueError(f"{tw}: no expectation to check")
            turns.append(turn)
        if not 1 <= len(turns) <= 4:
            raise ValueError(f"{where}: 1 to 4 citizen turns, got {len(turns)}")
        out.append(Conversation(cid, klass, turns))
    return out


# -- scoring one turn --------------------------------------------------------------------------------

def procedure_titles() -> Dict[str, str]:
    titles = {}
    for path in sorted((ROOT / "content" / "procedures").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for proc in data.get("procedures") or []:
            if isinstance(proc, dict) and proc.get("id") and proc.get("title"):
                titles[proc["id"]] = proc["title"]
    return titles


def score_turn(turn: Turn, messages: List[Dict[str, Any]], slot: Optional[str],
               titles: Dict[str, str]) -> Dict[str, Any]:
    """The checks of one turn: each maps to None (passed or not asked) or a short reason."""
    texts = [m.get("text") or "" for m in messages if m.get("text")]
    first = texts[0] if texts else ""
    all_text = norm("\n".join(texts))
    buttons = norm(" | ".join(b.get("title", "") for m in messages for b in (m.get("buttons") or [])))
    first_n = norm(first)
    checks: Dict[str, Optional[str]] = {}
    if turn.procedure:
        if slot:  # the tracker decides; a title is only looked for when no slot is kept
            ok = any(fnmatch.fnmatchcase(slot, p) for p in turn.procedure)
        else:
            ok = any(norm(titles[p]) in all_text for p in turn.procedure if p in titles)
        checks["procedure"] = None if ok else f"procedure {slot or '-'} != {'|'.join(turn.procedure)}"
    if turn.must_contain_any:
        ok = any(norm(s) in first_n for s in turn.must_contain_any)
        checks["content"] = None if ok else "lacks " + " / ".join(turn.must_contain_any)
    if turn.must_not_contain:
        bad = [s for s in turn.must_not_contain if norm(s) in all_text]
        checks["content_not"] = "says " + " / ".join(bad) if bad else None
    if turn.mentions_all:
        seen = f"{all_text} | {buttons}"
        missing = [s for s in turn.mentions_all
                   if not any(norm(alt) in seen for alt in s.split("|") if alt.strip())]
        checks["mentions"] = "never names " + " / ".join(missing) if missing else None
    if turn.yes_no:
        got = yes_no_of(first)
        checks["yes_no"] = None if got == turn.yes_no else f"yes/no {got or 'none'} != {turn.yes_no}"
    if turn.emergency:
        ok = any(n in first for n in EMERGENCY_NUMBERS)
        checks["emergency"] = None if ok else "no 113/114/115 in the first message"
    lines = screen_lines(first) if first else 0
    checks["screen"] = None if first and lines <= SCREEN_LINES else (
        f"{lines} lines" if first else "no reply")
    return {"checks": checks, "lines": lines, "first": first}


# -- running -----------------------------------------------------------------------------------------

def endpoints_copy(workdir: Path, action_port: int) -> Path:
    """The project's endpoints.yml naming our action server, conversations kept in memory."""
    source = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    source["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook"}
    source.pop("tracker_store", None)
    source.pop("event_broker", None)
    source.pop("lock_store", None)
    path = workdir / "endpoints.yml"
    path.write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    return path


async def play(model: str, endpoints: Path, conversations: List[Conversation]
               ) -> List[List[Dict[str, Any]]]:
    from rasa.core.agent import Agent
    from rasa.core.utils import AvailableEndpoints
    ends = AvailableEndpoints.read_endpoints(str(endpoints))
    agent = Agent.load(model, action_endpoint=ends.action, generator=ends.nlg)
    results = []
    for conv in conversations:
        sender = f"heldout-{conv.id}-{uuid.uuid4().hex[:8]}"
        played = []
        for turn in conv.turns:
            messages = await agent.handle_text(turn.user, sender_id=sender) or []
            tracker = await agent.tracker_store.retrieve(sender)
            slot = tracker.get_slot("procedure") if tracker else None
            played.append({"messages": messages, "slot": slot})
        results.append(played)
    return results


def run(model: str, conversations: List[Conversation]) -> List[List[Dict[str, Any]]]:
    from devtools.servers import action_server, free_port
    workdir = Path(tempfile.mkdtemp(prefix="eval-multiturn-"))
    port = free_port()
    env = {"REPORTS_DB_URL": f"sqlite:///{workdir / 'reports.db'}",
           "REPORTS_ATTACHMENTS_DIR": str(workdir / "attachments")}
    server = action_server(port, workdir / "actions.log", env=env)
    try:
        server.wait_ready()
        return asyncio.run(play(model, endpoints_copy(workdir, port), conversations))
    finally:
        server.stop()


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def report(conversations: List[Conversation], played: List[List[Dict[str, Any]]],
           titles: Dict[str, str], show_replies: bool = False) -> Tuple[Dict[str, float], List[str]]:
    """Print the figures; return them and one compact line per failed turn."""
    per_class: Dict[str, List[bool]] = defaultdict(list)
    per_class_nolen: Dict[str, List[bool]] = defaultdict(list)
    screens: List[bool] = []
    failures: List[str] = []
    turns_ok: List[bool] = []
    for conv, turns in zip(conversations, played):
        full, full_nolen = True, True
        for k, (turn, got) in enumerate(zip(conv.turns, turns)):
            scored = score_turn(turn, got["messages"], got["slot"], titles)
            problems = [v for v in scored["checks"].values() if v]
            content_problems = [v for key, v in scored["checks"].items() if v and key != "screen"]
            screens.append(scored["checks"]["screen"] is None)
            turns_ok.append(not problems)
            full &= not problems
            full_nolen &= not content_problems
            if problems:
                failures.append(f"  {conv.id}#{k + 1}: {'; '.join(problems)} | "
                                f"{_short(turn.user, 40)!r} -> {_short(scored['first'], 60)!r}")
            if show_replies:
                print(f"--- {conv.id}#{k + 1} slot={got['slot']} lines={scored['lines']} "
                      f"problems={problems}\n> {turn.user}")
                for m in got["messages"]:
                    print(m.get("text") or "")
                    if m.get("buttons"):
                        print("   [" + " | ".join(b.get("title", "") for b in m["buttons"]) + "]")
        per_class[conv.klass].append(full)
        per_class_nolen[conv.klass].append(full_nolen)
    everything = [ok for v in per_class.values() for ok in v]
    nolen = [ok for v in per_class_nolen.values() for ok in v]
    figures = {"full": sum(everything) / len(everything), "full_ignoring_length": sum(nolen) / len(nolen),
               "one_screen": sum(screens) / len(screens), "turns": sum(turns_ok) / len(turns_ok)}
    print(f"{'class':<15}{'conversations':>14}{'fully correct':>15}{'ignoring length':>17}")
    for c in CLASSES:
        if per_class[c]:
            n = len(per_class[c])
            print(f"{c:<15}{n:>14}{sum(per_class[c]) / n:>15.2f}{sum(per_class_nolen[c]) / n:>17.2f}")
    print(f"multi-turn held-out: {len(everything)} conversations, {len(turns_ok)} turns; "
          f"fully correct {figures['full']:.3f} (ignoring length {figures['full_ignoring_length']:.3f}); "
          f"turns passed {figures['turns']:.3f}; one-screen first messages {figures['one_screen']:.3f}")
    return figures, failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models" / "zalo-an-ninh.tar.gz"))
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--min-full", type=float, default=0.90,
                    help="minimum share of fully correct conversations (default 0.90)")
    ap.add_argument("--only", help="play only conversations whose id contains this text")
    ap.add_argument("--show-failures", action="store_true",
                    help="list the failed turns even when the share is above --min-full")
    ap.add_argument("--show-replies", action="store_true", help="print every reply")
    args = ap.parse_args()

    conversations = load_conversations(args.data)
    if args.only:
        conversations = [c for c in conversations if args.only in c.id]
    if not conversations:
        print("no conversations to play")
        return 1
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog
    configure_structlog(logging.WARNING)
    played = run(args.model, conversations)
    figures, failures = report(conversations, played, procedure_titles(), args.show_replies)
    below = figures["full"] < args.min_full
    if failures and (below or args.show_failures):
        print(f"failed turns ({len(failures)}): id#turn: problems | message -> first message")
        print("\n".join(failures))
    if below:
        print(f"FAILED: fully correct {figures['full']:.3f} < {args.min_full}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
