"""Unit names compared as officers mean them, whatever the keyboard or the copy did.

"Hoà"/"Hòa", "Thuỷ"/"Thủy" (old/new tone placement), NFC/NFD, case and stray
spaces all name the same unit.
"""
from __future__ import annotations

import re
import unicodedata

_TONES = "\u0300\u0301\u0303\u0309\u0323"   # grave, acute, tilde, hook above, dot below
_SPACES = re.compile(r"\s+")
# Old placement puts the tone on the second vowel of a final oa/oe/uy ("hoà"); new on
# the first ("hòa"). Only a syllable-final pair moves: "hoàn" keeps its tone.
_OLD_PLACEMENT = re.compile(r"([ou])([aey])([" + _TONES + r"])(?![^\W\d_])", re.IGNORECASE)


def normalize_name(name: object) -> str:
    """The comparison key of a unit name: NFC, new tone placement, lower case, single spaces."""
    text = _SPACES.sub(" ", str(name or "")).strip()
    decomposed = unicodedata.normalize("NFD", text)
    decomposed = _OLD_PLACEMENT.sub(r"\1\3\2", decomposed)
    return unicodedata.normalize("NFC", decomposed).casefold()

