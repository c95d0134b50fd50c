import hashlib

from channels.zalo.config import ZaloAccount
from channels.zalo.signature import compute_signature, normalise_header, sign, verify

ACCOUNT = ZaloAccount(oa_id="oa1", app_id="app1", oa_secret_key="oa-secret", app_secret_key="app-secret")
BODY = '{"event_name":"user_send_text","timestamp":"1543908534740","message":{"text":"chào"}}'.encode()
TS = "1543908534740"


def test_signature_is_plain_sha256_of_the_concatenation():
    expected = hashlib.sha256(b"app1" + BODY + TS.encode() + b"oa-secret").hexdigest()
    assert compute_signature("app1", BODY, TS, "oa-secret") == expected
    assert sign(ACCOUNT, BODY, TS) == "mac=" + expected


def test_accepts_with_and_without_mac_prefix_and_any_case():
    mac = compute_signature("app1", BODY, TS, "oa-secret")
    assert verify("mac=" + mac, BODY, TS, ACCOUNT)
    assert verify(mac, BODY, TS, ACCOUNT)
    assert verify("MAC=" + mac.upper(), BODY, TS, ACCOUNT)
    assert verify(f"  mac={mac} ", BODY, TS, ACCOUNT)


def test_rejects_missing_wrong_or_tampered():
    mac = compute_signature("app1", BODY, TS, "oa-secret")
    assert not verify(None, BODY, TS, ACCOUNT)
    assert not verify("", BODY, TS, ACCOUNT)
    assert not verify("mac=", BODY, TS, ACCOUNT)
    assert not verify("mac=" + "0" * 64, BODY, TS, ACCOUNT)
    assert not verify("mac=" + mac, BODY + b" ", TS, ACCOUNT)  # body re-serialised
    assert not verify("mac=" + mac, BODY, "1543908534741", ACCOUNT)  # other timestamp
    assert not verify("mac=ünïcode", BODY, TS, ACCOUNT)


def test_strict_mode_rejects_variants_that_lenient_mode_accepts():
    for first, secret in [("oa1", "oa-secret"), ("app1", "app-secret"), ("oa1", "app-secret")]:
        mac = compute_signature(first, BODY, TS, secret)
        assert not verify(mac, BODY, TS, ACCOUNT, mode="strict")
        assert verify(mac, BODY, TS, ACCOUNT, mode="lenient")


def test_normalise_header():
    assert normalise_header(None) is None
    assert normalise_header("mac=ABC") == "abc"
    assert normalise_header("   ") is None
