"""Pure parsers and writers for question-bank interchange formats (one module per format)."""
