"""Gunicorn settings read from the repository root (the Procfile and `make run` start there).

A Media Stream holds a worker thread for as long as the caller talks to one prompt, so
workers get more threads than webhooks alone would need.
"""

worker_class = "gthread"
threads = 32


def post_worker_init(worker):
    """Warn about menus with no speech model, and load the models before the first call."""
    from app.flow import embedding
    from app.speech.service import check_published

    check_published(worker.wsgi)
    embedding.shared()  # the meaning model, so the first caller's words don't wait for it
