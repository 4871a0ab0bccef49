"""``python -m summarize``: the ``briefing`` command."""

from summarize.cli import main

main()
