"""giamngheo: the poverty-reduction plan table ("Biểu dự kiến giảm nghèo") in Excel.

Kept import-light on purpose: each click of an Excel button starts a new
Python process, so heavy libraries are imported only where they are used.
"""
__version__ = "0.1.0"
