"""Errors an officer can act on, shared by the command line and the Excel buttons.

A leaf module (it imports nothing of the package), so every layer may raise these
and both faces catch them with one cheap import.
"""


class OfficerError(Exception):
    """Bad input or a request that cannot be done; the message is for officers (Vietnamese)."""


class UsageError(OfficerError):
    """The request itself cannot be done as asked."""
