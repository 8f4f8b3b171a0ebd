"""Files one request leaves for a later one (pending imports, uploads, the seal), kept in the database so
that every app server sees them."""
