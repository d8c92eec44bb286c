"""The WSGI entry point for gunicorn: `gunicorn 'coi.wsgi:app'` (see README, Deployment)."""

import gc

from coi import create_app

app = create_app()

if app.config["SCREENING_INDEX_AT_START"]:
    from coi.meetings import build_screening_index

    build_screening_index(app)  # before the freeze below: the index lives as long as the worker

# The app, its imports and configuration live as long as the worker: move them out of the collector's way so
# each collection walks only what requests allocate (about a tenth of a request's CPU went on collections).
gc.collect()
gc.freeze()
