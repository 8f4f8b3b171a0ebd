"""Imports every model module so the metadata (and Alembic) sees all tables."""

from lawtrain.areas import import_models

import_models()
