"""The WSGI entry point for gunicorn: `gunicorn 'coi.wsgi:app'` (see README, Deployment)."""
from coi import create_app

app = create_app()
