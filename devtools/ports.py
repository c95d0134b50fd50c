"""`python -m devtools.ports PORT`: exit 0 when this machine can listen on PORT, else 1.

scripts/run.sh checks its ports with it before starting servers: Rasa exits with status 0 when
its port is taken, and an action server already on the port would answer in place of ours.
"""
from __future__ import annotations

import socket
import sys


def can_listen(port: int) -> bool:
    """Whether a server could bind ``port`` on all interfaces, as Rasa and Sanic do."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Sanic: TIME_WAIT is fine
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


if __name__ == "__main__":
    sys.exit(0 if can_listen(int(sys.argv[1])) else 1)
