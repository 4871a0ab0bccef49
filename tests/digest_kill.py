"""Run one digest in this process and SIGKILL it at a chosen point (the fault-injection tests start it).

    python tests/digest_kill.py CONFIG POINT

POINT: ``rendered`` (the digest is rendered, nothing recorded), ``recorded``
(recorded in the state database, outbox not written), ``written`` (outbox
written, SMTP not started), ``accepted`` (the server accepted the message, not
yet marked sent), or ``none`` (no kill: prints the exit code and the outcome).
The kill is a real ``SIGKILL`` of this process: no handler, no cleanup runs.
"""

from __future__ import annotations

import os
import signal
import sys

from summarize.digest import delivery, outbox, state
from summarize.digest.config import load_config
from summarize.digest.runner import run_digest


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_instead(owner, name: str) -> None:
    setattr(owner, name, lambda *args, **kwargs: die())


def kill_after(owner, name: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        original(*args, **kwargs)
        die()

    setattr(owner, name, wrapper)


def main() -> int:
    config_path, point = sys.argv[1], sys.argv[2]
    if point == "rendered":
        kill_instead(state.StateDB, "add_digest")
    elif point == "recorded":
        kill_instead(outbox.Outbox, "put")
    elif point == "written":
        kill_after(outbox.Outbox, "put")
    elif point == "accepted":
        kill_after(delivery, "send_message")
    elif point != "none":
        raise SystemExit(f"unknown point {point!r}")
    result = run_digest(load_config(config_path))
    print(result.exit_code, result.message, flush=True)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
