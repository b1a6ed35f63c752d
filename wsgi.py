from diplolearn import create_app

app = create_app()
