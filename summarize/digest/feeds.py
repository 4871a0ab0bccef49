"""The digest reads feeds with the pipeline's ingest layer: ``summarize.feeds``."""

from summarize.feeds import FeedError, FeedResult, entry_records, entry_text, html_to_text, read_feed, read_feeds

__all__ = ["FeedError", "FeedResult", "entry_records", "entry_text", "html_to_text", "read_feed", "read_feeds"]
