"""Ticket codes, PII masking and the logging filter (no database)."""
import io
import logging

import pytest

from anninh.reports.codes import format_code, normalize_code, parse_code
from anninh.reports.privacy import (ID_MASK, PHONE_MASK, PiiMaskingFilter, contains_pii,
                                    get_logger, install_log_masking, mask_phone, mask_text)


def test_format_and_parse_codes():
    assert format_code("to_giac", 2026, 123) == "TG-2026-000123"
    assert format_code("tin_bao", 2026, 1) == "TB-2026-000001"
    assert format_code("phan_anh", 2026, 45) == "PA-2026-000045"
    assert format_code("kien_nghi", 2027, 1234567) == "KN-2027-1234567"
    assert parse_code("TG-2026-000123") == ("to_giac", 2026, 123)
    for typed in ("tg-2026-123", " TG 2026 000123 ", "tg2026000123", "Tg_2026_123", "TG.2026.123"):
        assert normalize_code(typed) == "TG-2026-000123", typed
    for bad in (None, "", "XX-2026-000001", "TG-26-1", "TG-2026-0", "TG-2026-", "hello", "TG-2026-12a"):
        assert normalize_code(bad) is None, bad
    with pytest.raises(ValueError):
        format_code("unknown", 2026, 1)


@pytest.mark.parametrize("raw", [
    "0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "+84 912 345 678",
    "+84912345678", "84912345678", "(+84) 912 345 678", "02063 852 123",
])
def test_phone_numbers_are_masked(raw):
    masked = mask_text(f"Liên hệ anh Dền {raw}, cảm ơn")
    assert masked == f"Liên hệ anh Dền {PHONE_MASK}, cảm ơn"
    assert contains_pii(raw)


@pytest.mark.parametrize("raw", ["004123456789", "004 123 456 789", "085123456", "123 456 789", "123.456.789"])
def test_id_numbers_are_masked(raw):
    masked = mask_text(f"CCCD/CMND: {raw}.")
    assert masked == f"CCCD/CMND: {ID_MASK}."


@pytest.mark.parametrize("keep", [
    "TG-2026-000123", "PA-2026-000045", "2026-08-15 10:30:00", "ngày 15/08/2026",
    "zalo user 8452159826291857301", "OA 1234567890123456789", "tôi 30 tuổi, nhà số 12, tổ 7",
    "lat 22.6666, long 106.2500",
])
def test_safe_text_is_left_alone(keep):
    assert mask_text(keep) == keep
    assert not contains_pii(keep)


def test_several_numbers_in_one_text():
    text = "SĐT 0912345678 hoặc 0987654321, CCCD 004123456789, mã TG-2026-000007"
    assert mask_text(text) == f"SĐT {PHONE_MASK} hoặc {PHONE_MASK}, CCCD {ID_MASK}, mã TG-2026-000007"
    assert mask_phone("0912 345 678") == "09******78"
    assert mask_text(None) == ""


def _capture(logger_name):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(logger_name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, handler, stream


def test_log_filter_masks_message_args_and_tracebacks():
    logger, handler, stream = _capture("test.reports.masking")
    install_log_masking(logger)
    logger.info("citizen %s called from %s", "Dền", "0912 345 678")
    logger.warning("CCCD 004123456789 in message, code %s", "TG-2026-000001")
    try:
        raise ValueError("bad phone +84912345678")
    except ValueError:
        logger.exception("failed for %s", "085123456")
    out = stream.getvalue()
    assert "0912 345 678" not in out and "+84912345678" not in out
    assert "004123456789" not in out and "085123456" not in out
    assert PHONE_MASK in out and ID_MASK in out
    assert "TG-2026-000001" in out and "Traceback" in out and "ValueError: bad phone [PHONE]" in out
    # idempotent install
    install_log_masking(logger)
    assert sum(isinstance(f, PiiMaskingFilter) for f in handler.filters) == 1


def test_handler_filter_covers_child_loggers():
    parent, handler, stream = _capture("test.reports.parent")
    install_log_masking(parent)
    child = logging.getLogger("test.reports.parent.child")
    child.propagate = True
    child.error("call 0912345678")
    assert stream.getvalue().strip() == f"ERROR call {PHONE_MASK}"


def test_package_loggers_mask_at_source():
    logger = get_logger("anninh.reports.some_module")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # no filter on this handler
    logger.addHandler(handler)
    try:
        logger.warning("phone %s", "0912.345.678")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().strip() == f"phone {PHONE_MASK}"
