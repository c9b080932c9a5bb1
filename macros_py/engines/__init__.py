"""Workbook access behind one small interface: a file engine and a live Excel engine."""
