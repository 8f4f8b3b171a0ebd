"""The bureau's own settings (organisation name, certificate prefix, base URL), kept in the database."""


def register(app) -> None:
    """Wire the area into the app: the administrators' settings page and `flask configure`."""
    from lawtrain.settings import cli, views

    app.register_blueprint(views.bp)
    cli.register(app)
