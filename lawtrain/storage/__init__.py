"""Files one request leaves for a later one (pending imports, uploads, the seal), kept in the database so
that every app server sees them."""


def register(app) -> None:
    """Nothing to wire: the area is a table and the services other areas call (its purge command is in lawtrain.cli)."""
