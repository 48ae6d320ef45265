"""Production settings for `gunicorn wsgi:app` (read from this folder by default).

Signing is CPU-bound Python (EDS verification, the framework), so processes, not threads, carry
the load: three per core keep the cores busy while some wait on PostgreSQL or Redis. Measured with
`make bench` on 2 cores (6,000 signatures each): 4 workers x 4 threads 303/s, 4 x 2 330/s,
6 x 1 347/s (and the best count-endpoint ratio). gthread keeps idle keep-alive connections off
the worker. DAUYS_WEB_WORKERS / DAUYS_WEB_THREADS override them.
"""

import multiprocessing
import os

bind = os.environ.get("DAUYS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DAUYS_WEB_WORKERS", multiprocessing.cpu_count() * 3))
worker_class = "gthread"
threads = int(os.environ.get("DAUYS_WEB_THREADS", 1))
keepalive = 30
backlog = 4096
max_requests = 0  # a worker keeps its caches (trust anchors, parsed leaves, the calendar)
accesslog = None
errorlog = "-"
loglevel = os.environ.get("DAUYS_LOG_LEVEL", "warning")
