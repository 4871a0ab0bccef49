"""Fetching a URL (a web page or a feed) within a time limit and a size cap.

One GET with the standard library, read in pieces until the end, the size
cap or the deadline, whichever comes first: a server that streams without
end costs at most ``max_bytes`` of memory, one that trickles bytes at most
about ``timeout`` seconds. (trafilatura's ``fetch_url`` caps the size too,
but its timeout applies to each read, not to the whole download, and it
answers a failure with None, losing the reason a user needs to see.)
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request

from summarize.textio import UnreadableInput, display_name, format_size

USER_AGENT = "briefing (+https://github.com/; news briefing tool)"
_PIECE = 1 << 16


class FetchError(UnreadableInput):
    """A URL could not be fetched; the message names it and says why."""


def is_url(source: str) -> bool:
    """Whether ``source`` is an http(s) URL (anything else is a path)."""
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


def fetch_url(url: str, timeout: float, max_bytes: int) -> tuple[bytes, dict[str, str]]:
    """GET ``url``: its body and its response headers (names lower-cased).

    Raises FetchError for an HTTP error status, a network failure, no answer
    or no end within about ``timeout`` seconds, and a body over ``max_bytes``.
    """
    name = display_name(url)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{name}: {format_size(int(declared))} is over the limit of {format_size(max_bytes)}")
            body = bytearray()
            while piece := response.read1(_PIECE):
                body += piece
                if len(body) > max_bytes:
                    raise FetchError(f"{name}: more than the limit of {format_size(max_bytes)}")
                if time.monotonic() > deadline:
                    raise FetchError(f"{name}: not complete within {timeout:g} s")
            return bytes(body), headers
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{name}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{name}: cannot fetch ({exc.reason})") from None
    except TimeoutError:
        raise FetchError(f"{name}: no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"{name}: cannot fetch ({getattr(exc, 'strerror', None) or exc or type(exc).__name__})") from None
