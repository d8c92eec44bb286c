"""The WSGI entry point for gunicorn: `gunicorn 'coi.wsgi:app'` (see README, Deployment)."""

import gc

from coi import create_app

app = create_app()

# The app, its imports and configuration live as long as the worker: move them out of the collector's way so
# each collection walks only what requests allocate (about a tenth of a request's CPU went on collections).
gc.collect()
gc.freeze()
