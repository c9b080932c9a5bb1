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


def new_tone_placement(name: str) -> str:
    """The name as typed, case kept, in NFC with the new tone placement ('Hoà Bình' → 'Hòa Bình')."""
    return unicodedata.normalize("NFC", _OLD_PLACEMENT.sub(r"\1\3\2", unicodedata.normalize("NFD", name)))


def normalize_name(name: object) -> str:
    """The comparison key of a unit name: NFC, new tone placement, lower case, single spaces.

    Called for every unit row of every table, so the common cases take short cuts that give the
    same key: ASCII text has no marks to move or compose, and text whose tones need no moving
    has the NFC of its own (NFC of the decomposition = NFC of the text)."""
    text = " ".join(str(name or "").split())       # = _SPACES.sub(" ", …).strip(): both split on str.isspace
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text)
    if _OLD_PLACEMENT.search(decomposed) is None:
        return (text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)).casefold()
    decomposed = _OLD_PLACEMENT.sub(r"\1\3\2", decomposed)
    return unicodedata.normalize("NFC", decomposed).casefold()



# Vietnamese alphabetical order: ă â after a, đ after d, ê after e, ô ơ after o, ư after u;
# tones only break ties, in dictionary order (none, huyền, hỏi, ngã, sắc, nặng).
_ALPHABET = {ch: i for i, ch in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_TONE_ORDER = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


_NUMBERS = re.compile(r"(\d+)")


def collation_key(name: object) -> tuple:
    """Sort key of a name in Vietnamese order, case, Unicode form and tone placement aside
    ('An Sơn' < 'Ân Hội' < 'Bình Phúc' < 'Đồng Giáp' < 'Hoà Bình'), numbers by their value
    ('Phường 2' < 'Phường 10')."""
    letters, tones = [], []
    for i, piece in enumerate(_NUMBERS.split(normalize_name(name))):
        if i % 2:       # a number, whole: after spaces and punctuation, before letters
            letters.append((1, int(piece), ""))
            continue
        for ch in piece:
            base = unicodedata.normalize("NFD", ch)
            tone = next((m for m in base if m in _TONES), "")
            letter = unicodedata.normalize("NFC", base.replace(tone, "") if tone else base)
            if letter in _ALPHABET:
                letters.append((2, _ALPHABET[letter], ""))
            else:   # spaces, punctuation before numbers and letters, by code point
                letters.append((0, 0, letter))
            tones.append(_TONE_ORDER.get(tone, 0))
    return tuple(letters), tuple(tones)
