"""Scheduled digests: the briefing of new articles, sent by email, webhook or feed file, safe to run from cron.

One run (``runner.run_digest``) takes the lock, delivers whatever waits in the
outbox, reads the configured sources, builds a briefing of the articles in the
window that no sent digest covered, its stories matched against those of
earlier digests, writes each channel's rendering to the outbox and delivers
it; the state database records what was seen, summarised and sent.

Modules, one concern each: ``config`` (TOML + environment), ``state`` (SQLite),
``continuity`` (stories across digests: matching, ids, days, update coverage),
``outbox`` (deliveries waiting), ``lock`` (one run at a time), ``feeds``
(RSS/Atom), ``mail`` (building the message), ``send`` (SMTP), ``webhook`` and
``feedfile`` (the other channels), ``delivery`` (the channels and the outbox
loop), ``history`` (``briefing history``), ``runner`` (the run) and ``cli``
(the ``briefing digest`` command).
"""
