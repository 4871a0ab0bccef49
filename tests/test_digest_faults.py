"""Faults injected into real digest runs: SIGKILL at each step, a full disk, a locked or corrupt state database.

The promise (docs/digest.md): no digest is lost; a message is sent twice only
when the process dies after the server accepted it and before it was marked
sent, and then with the same Message-ID; the state database is never left
corrupt. Kills are real SIGKILLs of a real subprocess (tests/digest_kill.py);
the real disk-full runs use a small tmpfs in a private mount namespace
(``unshare``), and injected ENOSPC/SQLITE_FULL errors cover the steps a real
full disk cannot be timed to hit.
"""

from __future__ import annotations

import email
import email.policy
import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from summarize.digest import outbox as outbox_module
from summarize.digest import state as state_module
from summarize.digest.config import load_config
from summarize.digest.runner import EXIT_DELIVERY_FAILED, EXIT_FAILED, EXIT_OK, run_digest
from summarize.digest.state import StateDB, check_state

from digest_support import WAIT, digest_config, free_port, smtp_server
from test_digest_runner import CHOIR, FERRY, LIBRARY

KILLER = Path(__file__).with_name("digest_kill.py")


@pytest.fixture()
def folder(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "ferry.txt").write_text(FERRY)
    (articles / "library.txt").write_text(LIBRARY)
    return articles


def _run_killed(config_path: Path, point: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(KILLER), str(config_path), point], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)  # fmt: skip


def _ids(server) -> list[str]:
    return [email.message_from_bytes(m.data, policy=email.policy.default)["Message-ID"] for m in server.messages]


def _assert_nothing_lost(config, server, expected_messages: int) -> None:
    """The outbox is empty, every article went out in a digest that was sent, and the state file is sound."""
    assert sorted(p.name for p in config.outbox.glob("*.eml")) == []
    assert len(server.messages) == expected_messages
    assert check_state(config.state_db) == []
    with StateDB(config.state_db) as db:
        hashes = [h for (h,) in db._read("SELECT hash FROM articles")]
        assert hashes and db.sent_hashes(hashes) == set(hashes)
    with sqlite3.connect(config.state_db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("point", ["rendered", "recorded", "written", "accepted"])
def test_sigkill_at_each_step_loses_nothing(tmp_path, folder, point):
    with smtp_server() as server:
        config_path = digest_config(tmp_path, [folder], port=server.port)
        killed = _run_killed(config_path, point)
        killed.communicate(timeout=60)
        assert killed.returncode == -signal.SIGKILL
        config = load_config(config_path, environ={})
        pending = list(config.outbox.glob("*.eml"))
        assert len(pending) == (1 if point in ("written", "accepted") else 0)
        assert check_state(config.state_db) == []  # a kill never leaves the file corrupt
        after = run_digest(config)
        assert after.exit_code == EXIT_OK, after.message
        again = run_digest(config)  # and nothing more is owed
        assert again.exit_code == EXIT_OK and again.message.startswith("nothing new")
    if point == "accepted":
        # The one unavoidable duplicate: accepted, not yet marked. Same Message-ID, so mail systems can tell.
        ids = _ids(server)
        assert len(ids) == 2 and ids[0] == ids[1] and after.delivered == [ids[0]]
        _assert_nothing_lost(config, server, 2)
    else:
        _assert_nothing_lost(config, server, 1)
    if point == "recorded":  # the record without a file is dropped, and its articles went into the new digest
        with StateDB(config.state_db) as db:
            statuses = [(d.channel, d.status) for d in db.deliveries()]
        assert statuses == [("mail", "dropped"), ("mail", "sent")]


def test_sigkill_during_the_smtp_conversation_loses_nothing_and_sends_once(tmp_path, folder):
    with smtp_server() as server:
        config_path = digest_config(tmp_path, [folder], port=server.port)
        server.handler.rcpt_gate = threading.Event()  # hold the client between MAIL FROM and DATA
        killed = _run_killed(config_path, "none")
        try:
            assert server.handler.rcpt_entered.wait(WAIT), "the run never reached the server"
            killed.send_signal(signal.SIGKILL)
            killed.communicate(timeout=WAIT)
        finally:
            server.handler.rcpt_gate.set()
        assert killed.returncode == -signal.SIGKILL and server.messages == []
        server.handler.rcpt_gate = None
        config = load_config(config_path, environ={})
        (waiting,) = config.outbox.glob("*.eml")
        after = run_digest(config)
    assert after.exit_code == EXIT_OK and after.delivered == _ids(server)
    assert email.message_from_bytes(waiting.read_bytes() if waiting.exists() else server.messages[0].data)
    _assert_nothing_lost(config, server, 1)


def test_disk_full_writing_the_outbox_keeps_no_half_file_and_the_next_run_sends(tmp_path, folder, monkeypatch):
    """Injected: ENOSPC from the outbox file's fsync (where a full disk shows up for a buffered write)."""

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with smtp_server() as server:
        config = load_config(digest_config(tmp_path, [folder], port=server.port), environ={})
        monkeypatch.setattr(outbox_module.os, "fsync", disk_full)
        full = run_digest(config)
        monkeypatch.undo()
        assert full.exit_code == EXIT_FAILED
        assert full.message == (f"cannot write the outbox {config.outbox} (No space left on device); "
                                "nothing was sent, and the next run makes the digest again")  # fmt: skip
        assert list(config.outbox.iterdir()) == [] and server.messages == []  # no temporary file left behind
        with StateDB(config.state_db) as db:
            assert db.digests() == []  # the digest that could not be stored is not half-recorded
        after = run_digest(config)
    assert after.exit_code == EXIT_OK, after.message
    _assert_nothing_lost(config, server, 1)


def test_disk_full_marking_sent_is_the_duplicate_window_with_the_same_message_id(tmp_path, folder, monkeypatch):
    """Injected: SQLITE_FULL when recording that the server accepted the message."""

    def full(self, *args, **kwargs):
        with self._write():
            raise sqlite3.OperationalError("database or disk is full")

    with smtp_server() as server:
        config = load_config(digest_config(tmp_path, [folder], port=server.port), environ={})
        monkeypatch.setattr(StateDB, "mark_sent", full)
        failed = run_digest(config)
        monkeypatch.undo()
        assert failed.exit_code == EXIT_FAILED
        assert failed.message.endswith("state database: the disk is full; the change was rolled back and nothing was lost: free space and run again")
        assert len(list(config.outbox.glob("*.eml"))) == 1
        after = run_digest(config)
    assert after.exit_code == EXIT_OK
    ids = _ids(server)
    assert len(ids) == 2 and ids[0] == ids[1]
    _assert_nothing_lost(config, server, 2)


def _namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
                           capture_output=True, timeout=20)  # fmt: skip
    return probe.returncode == 0


needs_namespaces = pytest.mark.skipif(not _namespaces_work(), reason="no user+mount namespaces here for a real small tmpfs")

# Mount a tmpfs of $7 KB on $1 in a private mount namespace, copy $4's files in, fill the rest,
# run the digest, then copy $1's files out to $3 (the tmpfs ends with the namespace).
FULL_DISK = """
mount -t tmpfs -o size="$7"k tmpfs "$1" || exit 90
cp -a "$4"/. "$1"/ || exit 91
head -c 100000000 /dev/zero > "$1/filler" 2>/dev/null
"$2" "$5" "$6" none
rc=$?
rm -f "$1/filler"
cp -a "$1"/. "$3"/
exit $rc
"""


def _run_on_full_disk(mount_point: Path, keep: Path, seed: Path, config_path: Path) -> subprocess.CompletedProcess:
    keep.mkdir(exist_ok=True)
    seed.mkdir(exist_ok=True)
    size_kb = sum(p.stat().st_size for p in seed.iterdir()) // 1024 + 64  # room for the files copied in, then filled
    command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK, "sh",
               str(mount_point), sys.executable, str(keep), str(seed), str(KILLER), str(config_path), str(size_kb)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@needs_namespaces
def test_real_full_disk_under_the_outbox(tmp_path, folder):
    with smtp_server() as server:
        config_path = digest_config(tmp_path, [folder], port=server.port)
        config = load_config(config_path, environ={})
        config.outbox.mkdir()
        full = _run_on_full_disk(config.outbox, tmp_path / "kept", tmp_path / "seed", config_path)
        assert full.returncode == EXIT_FAILED, full.stderr
        assert "cannot write the outbox" in full.stdout and "No space left on device" in full.stdout
        assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == []  # not even a temporary file
        assert "Traceback" not in full.stderr and server.messages == []
        after = run_digest(config)
    assert after.exit_code == EXIT_OK, after.message
    _assert_nothing_lost(config, server, 1)


@needs_namespaces
def test_real_full_disk_under_the_state_database(tmp_path, folder):
    with smtp_server() as server:
        state_folder = tmp_path / "state"
        state_folder.mkdir()
        paths = {"state_db": str(state_folder / "state.sqlite3"), "lock": str(tmp_path / "digest.lock")}
        config_path = digest_config(tmp_path, [folder], port=server.port, paths=paths)
        config = load_config(config_path, environ={})
        assert run_digest(config).exit_code == EXIT_OK  # a first digest, so the file has history to protect
        (folder / "choir.txt").write_text(CHOIR)
        seed = tmp_path / "seed"
        shutil.copytree(state_folder, seed)
        full = _run_on_full_disk(state_folder, tmp_path / "kept", seed, config_path)
        assert full.returncode == EXIT_FAILED, full.stderr
        assert f"{config.state_db}: state database:" in full.stdout and "\n" not in full.stdout.strip()
        assert "Traceback" not in full.stderr and len(server.messages) == 1
        for name in os.listdir(tmp_path / "kept"):  # the file as the full disk left it, back on a roomy disk
            shutil.copy2(tmp_path / "kept" / name, state_folder / name)
        assert check_state(config.state_db) == []
        after = run_digest(config)
    assert after.exit_code == EXIT_OK and after.new_articles == 1
    _assert_nothing_lost(config, server, 2)


def test_state_database_locked_by_another_process(tmp_path, folder, monkeypatch):
    with smtp_server() as server:
        config = load_config(digest_config(tmp_path, [folder], port=server.port), environ={})
        StateDB(config.state_db).close()
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sqlite3, sys\n"
             f"c = sqlite3.connect({str(config.state_db)!r}, isolation_level=None)\n"
             "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.readline(); c.execute('COMMIT')"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert holder.stdout.readline().strip() == "locked"
            monkeypatch.setattr(state_module, "BUSY_TIMEOUT", 0.5)
            locked = run_digest(config)
            assert locked.exit_code == EXIT_FAILED
            assert locked.message == f"{config.state_db}: state database: locked by another process (waited 0.5 s); nothing was changed, try again later"
            assert server.messages == [] and list(config.outbox.glob("*.eml")) == []
            # A lock released while the run waits: the run goes on.
            monkeypatch.setattr(state_module, "BUSY_TIMEOUT", 20)
            def release() -> None:
                holder.stdin.write("\n")
                holder.stdin.flush()

            threading.Timer(0.5, release).start()
            waited = run_digest(config)
        finally:
            if holder.poll() is None:
                holder.communicate("\n", timeout=WAIT)
    assert waited.exit_code == EXIT_OK, waited.message
    _assert_nothing_lost(config, server, 1)


def _corrupt_an_index(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'digest_articles_hash'").fetchone()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d" + os.urandom(page_size - 1))  # a "table leaf" page of random cells


def test_a_corrupt_state_database_is_refused_and_the_outbox_kept(tmp_path, folder):
    config = load_config(digest_config(tmp_path, [folder], port=free_port()), environ={})
    down = run_digest(config)  # the server is down: the digest waits in the outbox
    assert down.exit_code == EXIT_DELIVERY_FAILED
    (waiting,) = config.outbox.glob("*.eml")
    _corrupt_an_index(config.state_db)
    problems = check_state(config.state_db)
    assert len(problems) == 1 and "the state database is corrupt (PRAGMA integrity_check:" in problems[0]
    with smtp_server(port=config.mail.port) as server:
        refused = run_digest(config)
        assert refused.exit_code == EXIT_FAILED and refused.message == problems[0]
        assert "\n" not in refused.message and server.messages == [] and waiting.exists()
        # The user moves the corrupt file aside, as the line says: the waiting digest goes out.
        config.state_db.rename(config.state_db.with_suffix(".corrupt"))
        after = run_digest(config)
    # Nothing lost; as the line warns, a fresh state file does not know the window was sent, so it goes out again.
    assert after.exit_code == EXIT_OK and after.delivered[0] == down.message_id and _ids(server)[0] == down.message_id
    assert len(server.messages) == 2 and check_state(config.state_db) == []
