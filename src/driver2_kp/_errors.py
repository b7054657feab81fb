"""The one exception hierarchy of driver2_kp.

Every error the library raises on purpose derives from ``Driver2KPError``::

    Driver2KPError
    └── ConfigurationError      settings missing or malformed (names the setting)

Messages name the setting, service or endpoint concerned and never carry a
secret or personal data.
"""

from __future__ import annotations

__all__ = ["ConfigurationError", "Driver2KPError"]


class Driver2KPError(Exception):
    """Base class of every error raised by driver2_kp."""


class ConfigurationError(Driver2KPError, ValueError):
    """A setting is missing or malformed.

    The message names the setting (or environment variable), never its value.
    """
