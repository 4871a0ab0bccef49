"""Scheduled digests: the briefing of new articles, sent by email, safe to run from cron.

One run (``runner.run_digest``) takes the lock, delivers whatever waits in the
outbox, reads the configured sources, builds a briefing of the articles in the
window when any of them is new, writes the rendered message to the outbox and
sends it; the state database records what was seen, summarised and sent.

Modules, one concern each: ``config`` (TOML + environment), ``state`` (SQLite),
``outbox`` (messages waiting to be sent), ``lock`` (one run at a time),
``feeds`` (RSS/Atom), ``mail`` (building the message), ``send`` (SMTP),
``runner`` (the run) and ``cli`` (the ``briefing digest`` command).
"""
