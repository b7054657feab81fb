"""Answers shared by both services' fault paths."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import HTMLResponse

__all__ = ["html_fault"]


def html_fault(status: int) -> HTMLResponse:
    """A gateway's HTML error page, as a proxy in front of either service sends it."""
    phrase = f"{status} {HTTPStatus(status).phrase}"
    return HTMLResponse(
        f"<html><head><title>{phrase}</title></head><body><h1>{phrase}</h1></body></html>", status
    )
