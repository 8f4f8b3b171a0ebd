"""Form helpers shared by every area."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wtforms.fields.choices import SelectChoice


def choices(
    pairs: Iterable[tuple[object, object]], optgroups: Sequence[str | None] | None = None
) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms expects (plain tuples are deprecated),
    optionally grouped by `optgroups[i]`."""
    return [SelectChoice(value, label, optgroup=optgroups[i] if optgroups else None)
            for i, (value, label) in enumerate(pairs)]
