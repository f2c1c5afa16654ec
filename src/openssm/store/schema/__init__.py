"""The whole schema, SQLAlchemy Core, one module per feature; `metadata` holds every table.

Migrations under `store/migrations/` are generated from this metadata
(`scripts/new-migration`), never edited by hand beyond review.
"""

from openssm.store.schema import alarms as _alarms  # noqa: F401  (registers tables)
from openssm.store.schema import commands as _commands  # noqa: F401  (registers tables)
from openssm.store.schema import core as _core  # noqa: F401
from openssm.store.schema import documents as _documents  # noqa: F401
from openssm.store.schema import nodes as _nodes  # noqa: F401
from openssm.store.schema.base import metadata

__all__ = ["metadata"]
