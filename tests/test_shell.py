"""`make shell`: the chat client prints answers with buttons in full, and scripts/run.sh fails
loudly (non-zero, naming the port) when RASA_PORT or ACTIONS_PORT is taken."""
import io
import json
import os
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools.chat import chat
from devtools.ports import can_listen
from devtools.servers import ROOT, free_port

LONG_ANSWER = "\n".join(f"Dòng {i}: giấy tờ cần mang theo" for i in range(1, 16))
BUTTONS = [{"title": "Lệ phí", "payload": '/ask_procedure{"aspect":"fee"}'},
           {"title": "Nộp ở đâu", "payload": '/ask_procedure{"aspect":"where"}'}]


@pytest.fixture
def rest_server():
    """A local stand-in for a running Rasa server (its greeting on / and the REST webhook,
    answering with a long text and buttons); records what it got."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            answer = [{"recipient_id": body["sender"], "text": "Dạ, chào anh/chị."},
                      {"recipient_id": body["sender"], "text": LONG_ANSWER, "buttons": BUTTONS}]
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 -- what Rasa answers on /
            data = b"Hello from Rasa: 3.6.21"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_answers_with_buttons_are_printed_in_full_and_numbers_press_buttons(rest_server):
    url, received = rest_server
    out = io.StringIO()
    assert chat(url, "tester", stdin=io.StringIO("lam can cuoc\n2\n/stop\n"), out=out) == 0
    printed = out.getvalue()
    assert LONG_ANSWER in printed  # every line, not cut off
    assert "Dạ, chào anh/chị." in printed
    assert "[1] Lệ phí" in printed and "[2] Nộp ở đâu" in printed
    assert [r["message"] for r in received] == ["lam can cuoc", BUTTONS[1]["payload"]]
    assert {r["sender"] for r in received} == {"tester"}


def _run_sh(mode, stdin="", **ports):
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}}
    return subprocess.run(["bash", "scripts/run.sh", mode], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_make_shell_chats_with_the_assistant_make_run_started(rest_server):
    url, received = rest_server
    port = url.rsplit(":", 1)[1]
    # ACTIONS_PORT taken too, as by make run's action server: nothing new is started.
    with socket.socket() as actions:
        actions.bind(("127.0.0.1", 0))
        actions.listen()
        result = _run_sh("shell", stdin="dang ky tam tru\n/stop\n", RASA_PORT=port,
                         ACTIONS_PORT=actions.getsockname()[1])
    assert result.returncode == 0, result.stderr
    assert "already running on port " + port in result.stdout
    assert LONG_ANSWER in result.stdout
    assert [r["message"] for r in received] == ["dang ky tam tru"]


@pytest.mark.parametrize("mode, busy", [("shell", "RASA_PORT"), ("shell", "ACTIONS_PORT"),
                                        ("run", "RASA_PORT")])
def test_run_sh_fails_loudly_when_a_port_is_taken(mode, busy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()  # something that is not Rasa
        port = taken.getsockname()[1]
        assert not can_listen(port)
        other = "ACTIONS_PORT" if busy == "RASA_PORT" else "RASA_PORT"
        result = _run_sh(mode, **{busy: port, other: free_port()})
    assert result.returncode != 0
    assert f"port {port} ({busy}) is already in use" in result.stderr
