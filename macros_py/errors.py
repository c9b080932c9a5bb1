"""Errors an officer can act on, shared by the command line and the Excel buttons."""


class UsageError(Exception):
    """The request itself cannot be done as asked; the message is for officers (Vietnamese)."""
