"""Imports every model module so the metadata (and Alembic) sees all tables."""

from lawtrain.auth import audit  # noqa: F401
from lawtrain.auth import models as auth_models  # noqa: F401
from lawtrain.banks import models as banks_models  # noqa: F401
from lawtrain.certificates import models as certificates_models  # noqa: F401
from lawtrain.courses import models as courses_models  # noqa: F401
from lawtrain.exams import models as exams_models  # noqa: F401
from lawtrain.org import models as org_models  # noqa: F401
from lawtrain.settings import models as settings_models  # noqa: F401
from lawtrain.storage import models as storage_models  # noqa: F401
