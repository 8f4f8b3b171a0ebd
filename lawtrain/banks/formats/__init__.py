"""Pure parsers and writers for question-bank interchange formats (one module per format).

Nothing in this package imports Flask, SQLAlchemy or ``lawtrain.extensions``: parsers take bytes and
return :class:`ParseResult`; writers take records and return bytes. Entry points live in
:mod:`lawtrain.banks.formats.detect` (``detect_format``, ``parse_file``, ``write_file``) and
:mod:`lawtrain.banks.formats.validate` (``validate_records``).
"""

from lawtrain.banks.formats.records import (
    FILL_BLANK,
    LETTERS,
    MULTIPLE,
    QUESTION_TYPES,
    SINGLE,
    TRUE_FALSE,
    Citation,
    FormatError,
    Location,
    ParseResult,
    Problem,
    QuestionRecord,
)

__all__ = [
    "FILL_BLANK",
    "LETTERS",
    "MULTIPLE",
    "QUESTION_TYPES",
    "SINGLE",
    "TRUE_FALSE",
    "Citation",
    "FormatError",
    "Location",
    "ParseResult",
    "Problem",
    "QuestionRecord",
]
