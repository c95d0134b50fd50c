"""The conversation-test phase of `make test` (scripts/conversation_tests.sh).

1. The real action server starts on a free port (reports and handoffs in a throw-away SQLite file),
   with an endpoints copy naming it.
2. ``rasa test core`` checks every conversation test (tests/test_*.yml) against the trained model,
   as before (what the policies predict).
3. Every user message of those tests is then replayed, story by story, through the real agent
   (model, NLU, policies, Rasa's response templates) and the real action server: a user turn
   without any bot message fails, unless an officer handoff is open in that conversation (the
   assistant is silent on purpose then); after a message written as typed (not a payload), every
   slot the story says is set must have that value in the real conversation.
4. Any ``ERROR`` line in the Rasa logs (``rasa test`` and the replay) or the action server's log
   fails the phase.

``python -m devtools.conversations [--out results] [--model models/zalo-an-ninh.tar.gz] [FILES...]``
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import yaml

from devtools.servers import BIN, ROOT, action_server, base_env, free_port

ERROR_LINE = re.compile(r"\bERROR\b|\"level\": \"error\"")


@dataclass
class Turn:
    story: str
    text: str
    typed: bool  # written as the citizen types it (not a payload, not an intent-only step)
    expect: Dict[str, Any]  # the slots the story says this turn sets (checked for typed turns)


def story_turns(path: Path) -> Dict[str, List[Turn]]:
    """The user messages of each story of a conversation-test file, in order. A step given only as
    an intent (with its entities) is sent as the button payload that gives it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: Dict[str, List[Turn]] = {}
    for story in data.get("stories") or []:
        name = str(story.get("story"))
        turns: List[Turn] = []
        for step in story.get("steps") or []:
            if not isinstance(step, dict):
                continue
            if step.get("slot_was_set") is not None and turns:
                for item in step["slot_was_set"]:
                    if isinstance(item, dict):
                        turns[-1].expect.update(item)
            if step.get("user") is not None:
                text = str(step["user"]).strip()
                turns.append(Turn(name, text, not text.startswith("/"), {}))
            elif step.get("intent") is not None:
                entities = {}
                for item in step.get("entities") or []:
                    if isinstance(item, dict):
                        entities.update({k: v for k, v in item.items() if k not in ("start", "end")})
                payload = f"/{step['intent']}" + (json.dumps(entities, ensure_ascii=False) if entities else "")
                turns.append(Turn(name, payload, False, {}))
        out[name] = turns
    return out


def error_lines(paths: Iterable[Path]) -> List[str]:
    found = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        found += [f"{path}:{i + 1}: {line}" for i, line in enumerate(lines) if ERROR_LINE.search(line)]
    return found


@contextlib.contextmanager
def agent_with_actions(model: Path, workdir: Path) -> Iterator[Any]:
    """The trained agent, in this process, calling the real action server started on a free port
    (reports and handoffs in a SQLite file under ``workdir``)."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug events would go to standard output
    port = free_port()
    server = action_server(port, workdir / "actions.log",
                           {"REPORTS_DB_URL": f"sqlite:///{workdir / 'reports.db'}"}).wait_ready()
    try:
        endpoints = AvailableEndpoints(action=EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        yield asyncio.run(load_agent(model_path=str(model), endpoints=endpoints))
    finally:
        server.stop()


async def say(agent: Any, sender: str, text: str) -> List[Dict[str, Any]]:
    """One user message through the agent; the bot messages it got."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    output = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, output, sender, input_channel="rest"))
    return output.messages


def slots_set_in_last_turn(tracker: Any) -> Dict[str, List[Any]]:
    """Every value each slot was set to since the last user message (a submission resets the
    form's slots at the end of the turn that confirmed it)."""
    from rasa.shared.core.events import SlotSet, UserUttered

    values: Dict[str, List[Any]] = {}
    for event in reversed(list(tracker.events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet):
            values.setdefault(event.key, []).insert(0, event.value)
    return values


async def replay(model: Path, endpoints: Path, files: List[Path]) -> Tuple[int, List[str]]:
    """Replay every user message; return (turns replayed, problems: silent turns, and typed turns
    after which a slot differs from what the story says)."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    available = AvailableEndpoints.read_endpoints(str(endpoints))
    agent = await load_agent(model_path=str(model), endpoints=available)
    count, silent = 0, []
    for file in files:
        for n, (story, turns) in enumerate(story_turns(file).items()):
            sender = f"replay-{file.stem}-{n}"
            for turn in turns:
                messages = await say(agent, sender, turn.text)
                count += 1
                tracker = await agent.tracker_store.retrieve(sender)
                if turn.typed:
                    values = slots_set_in_last_turn(tracker)
                    for slot, value in turn.expect.items():
                        seen = values.get(slot, [tracker.get_slot(slot)])
                        if slot != "handoff_until" and value not in seen:
                            silent.append(f"{file.name} / {story}: after {turn.text!r}, {slot} is "
                                          f"{seen[-1]!r}, the story says {value!r}")
                if messages:
                    continue
                until = tracker.get_slot("handoff_until") if tracker else None
                if until and float(until) > time.time():
                    continue  # an officer answers: silence on purpose
                silent.append(f"{file.name} / {story}: no reply to {turn.text!r}")
    return count, silent


def rasa_test_core(model: Path, endpoints: Path, file: Path, out: Path) -> Tuple[bool, Path]:
    name = file.stem
    log = out / f"{name}.log"
    with open(log, "wb") as handle:
        rc = subprocess.run([str(BIN / "rasa"), "test", "core", "--model", str(model), "--stories", str(file),
                             "--endpoints", str(endpoints), "--out", str(out / name),
                             "--fail-on-prediction-errors", "--quiet"],
                            cwd=ROOT, env=base_env(), stdout=handle, stderr=subprocess.STDOUT).returncode
    return rc == 0, log


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "zalo-an-ninh.tar.gz"))
    parser.add_argument("--out", default=str(ROOT / "results"))
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    model, out = Path(args.model), Path(args.out)
    files = [Path(f) for f in args.files] or sorted((ROOT / "tests").glob("test_*.yml"))
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    with tempfile.TemporaryDirectory(prefix="conversations-") as tmp:
        os.environ["REPORTS_DB_URL"] = f"sqlite:///{Path(tmp) / 'reports.db'}"
        port = free_port()
        actions_log = out / "conversation-actions.log"
        server = action_server(port, actions_log, {"REPORTS_DB_URL": os.environ["REPORTS_DB_URL"]})
        endpoints = out / "conversation-endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{port}/webhook"\n', encoding="utf-8")
        logs = [actions_log]
        try:
            server.wait_ready()
            for file in files:
                ok, log = rasa_test_core(model, endpoints, file, out)
                logs.append(log)
                if ok:
                    print(f"passed: {file.relative_to(ROOT) if file.is_absolute() else file}")
                else:
                    status = 1
                    failed = out / file.stem / "failed_test_stories.yml"
                    print(f"FAILED: {file} (see {failed})")
                    if failed.exists():
                        print("\n".join(failed.read_text(encoding="utf-8").splitlines()[:60]))
            replay_log = out / "conversation-replay.log"
            logs.append(replay_log)
            handler = logging.FileHandler(replay_log, mode="w", encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s - %(message)s"))
            handler.setLevel(logging.WARNING)
            logging.getLogger().addHandler(handler)
            logging.getLogger().setLevel(logging.WARNING)
            from rasa.utils.log_utils import configure_structlog
            configure_structlog(logging.WARNING)
            count, silent = asyncio.run(replay(model, endpoints, files))
            handler.close()
            print(f"replayed {count} user messages through the real agent and action server: "
                  f"{len(silent)} problem(s)")
            for line in silent:
                print(f"REPLAY: {line}")
            status |= 1 if silent else 0
        finally:
            server.stop()
    errors = error_lines(logs)
    for line in errors[:40]:
        print(f"ERROR in log: {line}")
    if errors:
        status = 1
    print("conversation tests: " + ("passed" if status == 0 else "FAILED"))
    return status


if __name__ == "__main__":
    sys.exit(main())
