"""Look-alike login names: a confusable skeleton (after NFKC and case folding) that two names share when a
reader could take one for the other — Cyrillic or Greek letters that look Latin, 0/o, 1/l, rn/m."""

from __future__ import annotations

import unicodedata

# Letters that render like Latin ones (Unicode TR39 confusables, the ones that matter in login names).
_LOOKALIKE = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "һ": "h", "ӏ": "l", "ɡ": "g", "ь": "b", "г": "r", "п": "n", "л": "n",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Latin look-alikes and digits
    "ı": "i", "ɩ": "i", "ł": "l", "ɑ": "a", "0": "o", "1": "l", "|": "l", "!": "l",
})
_DIGRAPHS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def skeleton(name: str) -> str:
    """The form two confusable login names share ('аdmin', 'admin'; 'staff0l', 'staff01'; 'ѕtaff01')."""
    text = unicodedata.normalize("NFKC", name or "").strip().casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = text.translate(_LOOKALIKE)
    for pair, single in _DIGRAPHS:
        text = text.replace(pair, single)
    return text


def lookalike_of(name: str, existing: dict[str, str]) -> str | None:
    """The existing name (skeleton -> name) that `name` could be taken for, other than itself."""
    other = existing.get(skeleton(name))
    return other if other is not None and other != name else None
