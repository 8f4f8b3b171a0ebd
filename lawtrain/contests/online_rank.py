"""Pure rules of online contests: prize tiers, masked names, tie-break explanations, mobile numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

PRIZES = ("一等奖", "二等奖", "三等奖", "优秀奖")
PARTICIPATION = "参与证书"
MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Tier:
    """A prize and how many get it: `count` people, or `share` per cent of the entrants (rounded up)."""

    prize: str
    count: int | None = None
    share: float | None = None

    def size(self, entrants: int) -> int:
        if self.count is not None:
            return max(0, self.count)
        return min(entrants, math.ceil(entrants * (self.share or 0) / 100)) if entrants else 0


def tiers_from_json(rows: Sequence[dict]) -> list[Tier]:
    out = []
    for row in rows or ():
        count = row.get("count")
        share = row.get("share")
        out.append(Tier(str(row["prize"]), int(count) if count is not None else None,
                        float(share) if share is not None else None))
    return out


def tiers_to_json(tiers: Sequence[Tier]) -> list[dict]:
    return [{"prize": t.prize, **({"count": t.count} if t.count is not None else {"share": t.share})} for t in tiers]


def assign_prizes(scores: Sequence[float], tiers: Sequence[Tier], min_score: float) -> list[str | None]:
    """Prizes for entrants in final rank order (scores in that order): each tier takes the next people in
    rank order; nobody below `min_score` gets a prize. Tier sizes count all entrants (by share)."""
    entrants = len(scores)
    out: list[str | None] = [None] * entrants
    i = 0
    for tier in tiers:
        for _ in range(tier.size(entrants)):
            if i >= entrants or scores[i] < min_score:
                return out
            out[i] = tier.prize
            i += 1
    return out


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 张小伟 -> 张*伟, 欧阳小明 -> 欧**明: the first and last characters stay."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name or "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def normalise_mobile(text: str | None) -> str | None:
    """A mainland mobile number (11 digits from 13x–19x), spaces, dashes and +86 removed; None if not one."""
    digits = re.sub(r"[\s\-()（）]", "", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if MOBILE.fullmatch(digits) else None


def tie_break_keys(tie_break: str) -> tuple[str, ...]:
    """The ordering after score (descending): 'seconds' and/or 'submitted' (ascending), then the attempt id."""
    return {"time_submitted": ("seconds", "submitted"), "submitted": ("submitted",), "time": ("seconds",)}[tie_break]


def rank_key(score: float, seconds: int, submitted: object, attempt_id: int, tie_break: str) -> tuple:
    """The Python twin of the SQL ordering (tests compare them)."""
    values = {"seconds": seconds, "submitted": submitted}
    return (-score, *(values[k] for k in tie_break_keys(tie_break)), attempt_id)
