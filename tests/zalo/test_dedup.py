from channels.zalo.dedup import DedupStore


def test_claim_once(tmp_path):
    store = DedupStore(str(tmp_path / "z.db"))
    assert store.claim("msg:oa:1")
    assert not store.claim("msg:oa:1")
    assert store.claim("msg:oa:2")


def test_survives_reopen(tmp_path):
    path = str(tmp_path / "sub" / "z.db")
    store = DedupStore(path)
    assert store.claim("msg:oa:1")
    store.close()
    again = DedupStore(path)
    assert not again.claim("msg:oa:1")


def test_old_entries_are_pruned(tmp_path):
    store = DedupStore(str(tmp_path / "z.db"), retention=100)
    assert store.claim("old", now=1000.0)
    assert store.prune(now=1200.0) == 1
    assert store.claim("old", now=1201.0)
