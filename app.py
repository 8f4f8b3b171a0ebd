from lawtrain import create_app

app = create_app()

if __name__ == "__main__":
    from lawtrain.devserver import run

    run(app)
