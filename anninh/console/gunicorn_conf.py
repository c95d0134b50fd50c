"""Gunicorn settings of the console's production server (the command is in ``__main__``'s doc).

    gunicorn -c python:anninh.console.gunicorn_conf "anninh.console.app:create_app()"

Binds $CONSOLE_HOST:$CONSOLE_PORT (127.0.0.1:8080) and runs $CONSOLE_WORKERS (default 3) worker
processes of 4 threads, each building the app from the environment.
Reading the settings here, in the master process, makes the session key once when
$CONSOLE_SECRET_KEY is unset, so every worker signs with the same ``var/console-secret.key``.
No access log: request lines hold report codes. ``python -m anninh.console`` stays the development server.
"""
from __future__ import annotations

from anninh.console.settings import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = 4
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
accesslog = None
errorlog = "-"
proc_name = "anninh-console"
control_socket_disable = True  # gunicorn 27's control socket: unused, and one path per user


def on_starting(_server) -> None:
    """Masking of personal data in the logs of the master (workers inherit it); JSON lines with
    LOG_FORMAT=json."""
    from anninh.ops.logs import install_logging
    install_logging("console", ensure_handler=True)
