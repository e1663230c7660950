"""Bytes from the network, polite and safe: ``Fetcher`` (async), ``fetch_sync`` for one-offs.

No database here: the fetcher reports every request to an ``observer`` and the caller stores it.
"""

from newsdesk.fetch.client import Fetcher, fetch_sync, parse_retry_after
from newsdesk.fetch.decode import decode_body
from newsdesk.fetch.politeness import HostLimiter
from newsdesk.fetch.safety import blocked_reason

__all__ = ["Fetcher", "HostLimiter", "blocked_reason", "decode_body", "fetch_sync", "parse_retry_after"]
