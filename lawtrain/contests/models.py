"""Imports both halves' model modules (online and live contests) so the metadata sees their tables."""

from lawtrain.contests import live_models  # noqa: F401
