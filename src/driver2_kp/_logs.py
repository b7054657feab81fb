"""Personal data stays out of logs: the records of this library's requests are redacted.

httpx logs every request at INFO with its whole URL, and the query of a search
holds names, e-mail addresses and phone numbers; httpcore logs response headers
at DEBUG. An application that logs at INFO would write a body shop's customers
into its log files. So `PersonalDataFilter` sits on the ``httpx`` and
``httpcore`` loggers and, for the records made while this library sends a
request (a context variable marks them, per thread and per task), replaces the
query's values and the ids in the path with ``***`` and drops httpcore's
response headers. Over HTTP/2 (your own ``http_client=`` with ``http2=True``),
hpack logs every header it encodes or decodes at DEBUG, the path with its query
and the credentials among them: the filter sits on the ``hpack`` loggers too and
keeps only the first word of those records. Records of other requests in the
same process pass untouched.

Our own logger, ``driver2_kp``, logs each attempt at DEBUG with the endpoint's
template (``GET /customers/{customerNumber}``) and never a value.

To debug with the values, opt in, for DEBUG records only::

    import driver2_kp
    driver2_kp.log_personal_data(True)  # DEBUG records show the values sent

INFO and above stay redacted whatever the switch says.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Final

import httpx

from ._convert import PAGING_NAMES

__all__ = [
    "PersonalDataFilter",
    "install",
    "log_personal_data",
    "personal_data_logged",
    "sending",
]

REDACTED: Final = "***"
_SENDING: Final[ContextVar[bool]] = ContextVar("driver2_kp_sending", default=False)
_PAGING: Final = frozenset(PAGING_NAMES.values())
"""Query parameters that say nothing about a person: left readable."""
_ID_AFTER: Final = frozenset({"customers", "personen"})
"""Path segments followed by a customer number or a KP id."""
_HTTPCORE_HEADERS: Final = "receive_response_headers.complete"
_LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
    "hpack.table",
)
_HPACK: Final = "hpack."
_show_at_debug = False


def log_personal_data(enabled: bool = True) -> None:
    """Let DEBUG records of this library's requests show the values sent (off by default).

    For debugging only, on data you may log. Records at INFO and above stay
    redacted. Example::

        import logging, driver2_kp
        logging.basicConfig(level=logging.DEBUG)
        driver2_kp.log_personal_data(True)
    """
    global _show_at_debug  # noqa: PLW0603 - one process-wide switch, as logging's own
    _show_at_debug = enabled


def personal_data_logged() -> bool:
    """Whether the user opted in to values in DEBUG records (`log_personal_data`)."""
    return _show_at_debug


@contextlib.contextmanager
def sending() -> Iterator[None]:
    """Mark the records logged inside as records of this library's requests."""
    mark = _SENDING.set(True)
    try:
        yield
    finally:
        _SENDING.reset(mark)


def redacted_url(url: httpx.URL) -> str:
    """``url`` with the query's values and the ids in its path replaced by ``***``.

    >>> redacted_url(httpx.URL("http://d2/api/customers/74050?name=Goderis&page=2"))
    'http://d2/api/customers/***?name=***&page=2'
    """
    segments = url.path.split("/")
    path = "/".join(
        REDACTED if index and segments[index - 1] in _ID_AFTER else segment
        for index, segment in enumerate(segments)
    )
    query = "&".join(
        f"{name}={value if name in _PAGING else REDACTED}"
        for name, value in url.params.multi_items()
    )
    return str(url.copy_with(path=path, query=None)) + (f"?{query}" if query else "")


class PersonalDataFilter(logging.Filter):
    """Redacts httpx's and httpcore's records of this library's requests; see the module."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` if it is about one of our requests; never drop it."""
        if not _SENDING.get() or (_show_at_debug and record.levelno < logging.INFO):
            return True
        if isinstance(record.args, tuple):
            record.args = tuple(
                redacted_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        if isinstance(record.msg, str) and record.msg.startswith(_HTTPCORE_HEADERS):
            record.msg, record.args = f"{_HTTPCORE_HEADERS} return_value={REDACTED}", ()
        elif record.name.startswith(_HPACK):  # "Encoding %s": every header, the values too
            record.msg, record.args = f"{str(record.msg).split(' ', 1)[0]} {REDACTED}", ()
        return True


_FILTER: Final = PersonalDataFilter()


def install() -> None:
    """Put the filter on the httpx and httpcore loggers (once; installing again does nothing)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
