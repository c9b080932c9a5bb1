"""giamngheo: the poverty-reduction plan table ("Biểu dự kiến giảm nghèo") in Excel.

Kept import-light on purpose: each click of an Excel button starts a new
Python process, so heavy libraries are imported only where they are used.
The analyst's functions (pandas DataFrames) are loaded on first use:

    import macros_py as gn
    df = gn.read_table("van_quan_2021.xlsx")      # one table, a row per unit
    long = gn.read_many(["2021/", "2022/"])        # many tables, long format
    issues = gn.findings("van_quan_2021.xlsx")     # Kiểm tra's findings
"""
__version__ = "0.1.0"
__all__ = ["read_table", "read_many", "findings"]


def __getattr__(name: str):
    if name in __all__:
        from .commands import frames

        return getattr(frames, name)
    raise AttributeError(f"module 'macros_py' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
