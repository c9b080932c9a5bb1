"""Text written into cells must stay text: Excel runs '=…', '+…', '-…' and '@…' as formulas."""


def inert(value):
    """Text that Excel must not take for a formula (unit names, messages copied from files) keeps
    a leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
