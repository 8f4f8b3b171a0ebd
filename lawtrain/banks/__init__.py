"""Question banks: authoring, import from every format, export."""
