"""Benchmark: parse + validate a generated 10,000-question bank as xlsx and csv.

Run: ``python bench/bank_import.py`` — prints one JSON line per figure, no assertions.
Targets (issue 4): xlsx < 10 s, csv < 3 s on the 2-core build machine.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lawtrain.banks.formats.detect import parse_file, write_file  # noqa: E402
from lawtrain.banks.formats.records import Citation, QuestionRecord  # noqa: E402
from lawtrain.banks.formats.validate import validate_records  # noqa: E402

COUNT = 10_000


def generate(count: int, rng: random.Random) -> list[QuestionRecord]:
    records = []
    for index in range(count):
        kind = ("single", "multiple", "true_false", "fill_blank")[index % 4]
        article = rng.randint(1, 119)
        stem = f"第{index}题：根据安全生产法第{article}条，生产经营单位应当履行哪项义务？（编号{rng.random():.6f}）"
        options: list[str] = []
        answer: list = []
        if kind in ("single", "multiple"):
            options = [f"选项{letter}：{rng.random():.5f} 的说明文字" for letter in "ABCD"]
            answer = ["B"] if kind == "single" else ["A", "C"]
        elif kind == "true_false":
            answer = [rng.choice(["true", "false"])]
        else:
            stem = f"第{index}题：事故发生后应当在____内报告（{rng.random():.6f}）"
            answer = [["一小时", "1小时"]]
        records.append(QuestionRecord(
            type=kind, stem=stem, options=options, answer=answer, explanation="解析：见条文。", points=1.0,
            difficulty=rng.randint(1, 5), basis=[Citation("安全生产法", article)], tags=["知识点"],
            external_id=f"B-{index:05d}",
        ))
    return records


def main() -> None:
    records = generate(COUNT, random.Random(4))
    for fmt in ("xlsx", "csv"):
        data = write_file(fmt, records, bank_name="基准")
        started = time.perf_counter()
        result = parse_file(data, f"bench.{fmt}")
        problems = validate_records(result.records)
        seconds = time.perf_counter() - started
        print(json.dumps({"figure": f"bank_import_{fmt}_10k", "seconds": round(seconds, 3),
                          "questions": len(result.records), "problems": len(problems) + len(result.problems),
                          "bytes": len(data)}))


if __name__ == "__main__":
    main()
