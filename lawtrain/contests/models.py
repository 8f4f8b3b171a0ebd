"""The contests area's tables: each half's model module, imported so that the metadata sees them."""

from lawtrain.contests import live_models  # noqa: F401
from lawtrain.contests.online_models import *  # noqa: F403
