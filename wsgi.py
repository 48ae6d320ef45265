"""WSGI entry point for gunicorn and the flask CLI."""

from factory import create_app

app = create_app()
