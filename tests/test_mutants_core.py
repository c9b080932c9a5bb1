"""Tests written for mutants of core/ modules (culprits, sheet_check, table, …) that the suite let
live (tests/MUTATION.md): each asserts a real outcome, with expectations worked out here."""
from __future__ import annotations
