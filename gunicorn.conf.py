"""Production settings for `gunicorn wsgi:app` (read from this folder by default).

Threads let a worker overlap one request's database round trips with another's Python work; the
processes give the cores. DAUYS_WEB_WORKERS / DAUYS_WEB_THREADS override them.
"""

import multiprocessing
import os

bind = os.environ.get("DAUYS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DAUYS_WEB_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("DAUYS_WEB_THREADS", 4))
keepalive = 30
backlog = 4096
max_requests = 0  # a worker keeps its caches (trust anchors, parsed leaves, the calendar)
accesslog = None
errorlog = "-"
loglevel = os.environ.get("DAUYS_LOG_LEVEL", "warning")
