"""The outbox: atomic writes, pending order, dry-run files kept apart."""

from __future__ import annotations

import datetime as dt

from summarize.digest.outbox import Outbox, message_file_name

T0 = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)


def test_pending_messages_sort_oldest_first_and_exclude_dry_runs(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    assert outbox.pending() == []
    late = outbox.put(message_file_name(T0 + dt.timedelta(hours=1), "b" * 64), b"late")
    early = outbox.put(message_file_name(T0, "a" * 64), b"early")
    outbox.put_dry_run(message_file_name(T0, "c" * 64), b"dry")
    (outbox.folder / ".partial.eml.tmp").write_bytes(b"half")
    assert outbox.pending() == [early, late]
    assert early.read_bytes() == b"early"
    outbox.remove(early)
    assert outbox.pending() == [late]
    assert len(list(outbox.dry_run_folder.iterdir())) == 1


def test_writes_leave_no_temporary_files(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.put("m.eml", b"x" * 10000)
    outbox.put("m.eml", b"y")  # replacing is atomic too
    assert [p.name for p in tmp_path.iterdir()] == ["m.eml"]
    assert (tmp_path / "m.eml").read_bytes() == b"y"
