"""``python -m anninh.console``: serve the console on $CONSOLE_HOST:$CONSOLE_PORT (127.0.0.1:8080).

Werkzeug's threaded HTTP server, for development. In production (docker-compose.yml) gunicorn
serves the same app from worker processes, settings in ``anninh/console/gunicorn_conf.py``:

    gunicorn -c python:anninh.console.gunicorn_conf "anninh.console.app:create_app()"

Either way, put it behind an HTTPS reverse proxy (and set CONSOLE_SECURE_COOKIES=1) for access
from other machines.
"""
from __future__ import annotations

import logging
import signal
import sys

from werkzeug.serving import make_server

from anninh.console.app import create_app
from anninh.console.settings import Settings
from anninh.ops.logs import install_logging


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_logging("console")  # phone and ID numbers masked; JSON lines with LOG_FORMAT=json
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines (URLs hold codes)
    settings = Settings.from_env()
    app = create_app(settings)
    server = make_server(settings.host, settings.port, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Officers' console on http://{settings.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
