"""The conversation-test phase's own logic (devtools/conversations.py): which messages it replays,
which slots it checks, which log lines fail it. The phase itself runs in scripts/test.sh."""
from pathlib import Path

from devtools.conversations import error_lines, story_turns

ROOT = Path(__file__).resolve().parents[1]


def test_every_user_step_of_every_conversation_test_is_replayed():
    files = sorted((ROOT / "tests").glob("test_*.yml"))
    assert len(files) >= 6
    for file in files:
        text = file.read_text(encoding="utf-8")
        turns = [t for story in story_turns(file).values() for t in story]
        assert len(turns) == text.count("\n      - user:") + text.count("\n      - intent:"), file


def test_intent_only_steps_become_payloads_and_typed_steps_carry_their_slots(tmp_path):
    file = tmp_path / "test_x.yml"
    file.write_text('''version: "3.1"
stories:
  - story: s
    steps:
      - intent: correct_report
        entities:
          - report_field: report_place
      - action: action_correct_report
      - user: |
          ban Na Rao xa Hoa An
        intent: out_of_scope
      - slot_was_set:
          - report_place: ban Na Rao xa Hoa An
      - action: report_form
      - slot_was_set:
          - requested_slot: report_time
''', encoding="utf-8")
    first, second = story_turns(file)["s"]
    assert first.text == '/correct_report{"report_field": "report_place"}' and not first.typed
    assert second.typed and second.expect == {"report_place": "ban Na Rao xa Hoa An",
                                              "requested_slot": "report_time"}


def test_error_lines_in_rasa_and_action_server_logs(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("2026-12-02 16:35:11 INFO     rasa.core - fine\n"
                   "2026-12-02 16:35:12 ERROR    rasa.core.nlg.interpolator  - Failed to replace placeholders\n"
                   '{"event": "interpolator.interpolate.text", "level": "error"}\n'
                   "an error in a user's words is not a log level\n", encoding="utf-8")
    found = error_lines([log, tmp_path / "missing.log"])
    assert [line.split(": ", 1)[0] for line in found] == [f"{log}:2", f"{log}:3"]
