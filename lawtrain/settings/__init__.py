"""The bureau's own settings (organisation name, certificate prefix, base URL), kept in the database."""
