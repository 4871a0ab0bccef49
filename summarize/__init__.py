"""briefing: turn a pile of news articles into one short, faithful morning briefing."""

__version__ = "0.1.0"
