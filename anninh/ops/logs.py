"""Logging for every process: phone and ID numbers masked in every record, JSON lines on request.

``install_logging(process)`` is called once at start by each process (Rasa server, turn processes,
action server, console). It

- installs a log record factory that masks phone and ID numbers (``anninh.reports.privacy``) in the
  message, its arguments and the exception text of every record the process creates, whichever
  logger or handler it goes to — also handlers that Rasa or Sanic add later;
- with ``LOG_FORMAT=json``, gives every handler of the root logger, present and future, a JSON
  formatter (one object per line: time, level, logger, message, process, and the record's extras).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from anninh.reports.privacy import install_log_masking, mask_text

JSON_FIELDS = ["asctime", "levelname", "name", "message"]
_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
_INTERNAL = {"_pii_masked"}

_state: dict = {"factory": None, "json_process": None, "add_handler": None}


def _masking_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: mask what there is
            message = f"{record.msg} {record.args}"
        masked = mask_text(message)
        if masked != record.msg or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return record

    factory.anninh_masking = True  # type: ignore[attr-defined]
    return factory


def install_masking() -> None:
    """Mask phone and ID numbers in every log record of this process (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "anninh_masking", False):
        logging.setLogRecordFactory(_masking_factory(current))
    install_log_masking()  # also the handler filter, for records made before the factory


def json_formatter(process: str) -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    class MaskingJsonFormatter(JsonFormatter):
        """Masks the traceback and the string extras too (they do not go through the factory)."""

        def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
            return mask_text(super().formatException(ei))

        def process_log_record(self, log_data: dict) -> dict:
            return {key: mask_text(value) if isinstance(value, str) else value
                    for key, value in log_data.items()}

    return MaskingJsonFormatter(JSON_FIELDS, rename_fields=_RENAMED, static_fields={"process": process},
                         reserved_attrs=list(_reserved()), json_ensure_ascii=False)


def _reserved() -> set:
    from pythonjsonlogger.core import RESERVED_ATTRS

    return set(RESERVED_ATTRS) | _INTERNAL | {"color_message"}


def _prepare(handler: logging.Handler) -> None:
    process = _state["json_process"]
    if process is not None and not getattr(handler.formatter, "anninh_json", False):
        formatter = json_formatter(process)
        formatter.anninh_json = True  # type: ignore[attr-defined]
        handler.setFormatter(formatter)
    install_log_masking(handlers=[handler])


def install_logging(process: str, log_format: Optional[str] = None, ensure_handler: bool = False) -> None:
    """Masking in this process; JSON lines when ``log_format`` (default: ``LOG_FORMAT``) is json.

    Idempotent; call it after the process configured its handlers, or before: handlers added to the
    root logger later get the same treatment. ``ensure_handler``: when the root logger has no
    handler, add one on standard error (off by default: a handler added here would make a later
    ``logging.basicConfig(level=...)`` of the process do nothing, level included).
    """
    if log_format is None:
        from anninh.settings import ProcessSettings

        log_format = ProcessSettings().log_format
    install_masking()
    root = logging.getLogger()
    if log_format == "json":
        _state["json_process"] = process
        logging.captureWarnings(True)  # Python's warnings become log records, hence JSON lines too
    if ensure_handler and not root.handlers:
        root.addHandler(logging.StreamHandler())
    if _state["add_handler"] is None:
        original = root.addHandler

        def add_handler(handler: logging.Handler) -> None:
            _prepare(handler)
            original(handler)

        _state["add_handler"] = original
        root.addHandler = add_handler  # type: ignore[method-assign]
    for handler in _all_handlers():
        _prepare(handler)


def _all_handlers() -> "list[logging.Handler]":
    """The handlers of the root logger and of every named logger (Sanic's access and error logs)."""
    found = list(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            found += [h for h in logger.handlers if h not in found]
    return found
