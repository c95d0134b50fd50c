"""Failed logins are limited per address too: several accounts failing from one address are all
refused (429) once the address's limit is reached, while another address still logs in."""
from __future__ import annotations

import pytest
from requests.adapters import HTTPAdapter

from tests.console.conftest import running_console
from tests.console.harness import PASSWORD

PER_ADDRESS = 4  # below the per-account limit (5): only the address can trip it


class FromAddress(HTTPAdapter):
    """Connections from another loopback address (Linux answers for all of 127.0.0.0/8)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def limited(request, tmp_path_factory, fake_zalo):
    yield from running_console(request.param, tmp_path_factory, fake_zalo,
                               extra_env={"CONSOLE_MAX_FAILURES_PER_ADDRESS": str(PER_ADDRESS)})


def test_several_accounts_failing_from_one_address_get_429(limited):
    browser = limited.session()
    tries = ["officer_a", "head_a", "officer_b", "head_b"]  # one or two failures each, 4 in all
    assert len(tries) == PER_ADDRESS
    for username in tries:
        assert browser.login(username, "sai-mat-khau").status_code == 401
    # No account failed more than once, yet this address is now refused, right password or not,
    # for every account (even one never tried) and from a fresh session.
    for username, password in (("victim", PASSWORD), ("officer_a", PASSWORD), ("head_p", "sai-mat-khau")):
        r = limited.session().login(username, password)
        assert r.status_code == 429, (username, r.status_code)
        assert "/login" in r.url
    assert limited.accounts.recent_failures(username="officer_a") == 1

    # Another address is not affected: the same account logs in from 127.0.0.2.
    other = limited.session()
    other.http.mount("http://", FromAddress("127.0.0.2"))
    r = other.login("victim", PASSWORD)
    assert r.status_code == 200 and "/login" not in r.url
    assert other.get("/").status_code == 200
