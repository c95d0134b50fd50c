"""`make shell`: chat with a running assistant over its REST channel, in this terminal.

Rasa's own `rasa shell` turns the last answer that has buttons into a menu prompt, which cuts
long answers off; here every message is printed in full and its buttons are numbered: type the
number to press one (its payload is sent), or type any text. Ctrl-D, Ctrl-C or /stop ends.

    python -m devtools.chat http://localhost:5005
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from typing import Any, Dict, List, TextIO

Button = Dict[str, Any]


def send(url: str, sender: str, message: str, timeout: float = 120) -> List[Dict[str, Any]]:
    """POST one message to the REST webhook; the assistant's messages in order."""
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(f"{url.rstrip('/')}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def show(messages: List[Dict[str, Any]], out: TextIO) -> List[Button]:
    """Print the messages in full; the buttons of the last message that has some, numbered."""
    buttons: List[Button] = []
    for message in messages:
        if message.get("text"):
            out.write(message["text"] + "\n")
        if message.get("image"):
            out.write(f"[image] {message['image']}\n")
        if message.get("custom") is not None:
            out.write(f"[custom] {json.dumps(message['custom'], ensure_ascii=False)}\n")
        if message.get("buttons"):
            buttons = message["buttons"]
            for number, button in enumerate(buttons, 1):
                out.write(f"  [{number}] {button.get('title', button.get('payload', ''))}\n")
        out.write("\n")
    if not messages:
        out.write("(no answer)\n\n")
    out.flush()
    return buttons


def chat(url: str, sender: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    buttons: List[Button] = []
    interactive = stdin.isatty()
    out.write(f"Chatting with {url} as '{sender}'. A button's number presses it; "
              "/stop or Ctrl-D ends.\n\n")
    while True:
        if interactive:
            try:
                line = input("you> ") + "\n"  # line editing through readline
            except EOFError:
                line = ""
        else:
            line = stdin.readline()
        if not line or line.strip() == "/stop":
            return 0
        text = line.strip()
        if not text:
            continue
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            button = buttons[int(text) - 1]
            out.write(f"(button: {button.get('title', '')})\n")
            text = button.get("payload") or button.get("title", "")
        buttons = show(send(url, sender, text), out)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the Rasa server, e.g. http://localhost:5005")
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    try:
        return chat(args.url, args.sender)
    except KeyboardInterrupt:
        return 0
    except OSError as error:
        print(f"cannot reach the assistant at {args.url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
