"""Production settings for `gunicorn wsgi:app` (read from this folder by default).

Signing is CPU-bound Python (EDS verification, the framework), so processes, not threads, carry
the load: four per core keep the cores busy while some wait on PostgreSQL or Redis (each signing
request makes three round trips). Measured with `make bench` on 2 cores, 10,000 signatures each
(2026-12-01, one run each): 4 workers 571/s (p99 200 ms), 6 504-548/s (p99 330-350 ms), 8
659-731/s (p99 148-227 ms), 12 649/s, 16 688/s (p99 307-380 ms); earlier, 4 workers x 4 threads
and 4 x 2 were slower than single-threaded workers. gthread keeps idle keep-alive connections off
the worker. DAUYS_WEB_WORKERS / DAUYS_WEB_THREADS override them.

A gthread worker keeps the keep-alive connections it accepted, and workers accept unevenly (seen
with `ss -tnp` under the bench: 2 to 17 sockets per worker, about two of them to PostgreSQL and
Redis, for 64 clients), so the busiest worker sets the latency
tail. Behind a reverse proxy that keeps N upstream connections, DAUYS_WEB_CONNECTIONS = N / workers
spreads them: 10,000 signatures over 64 connections, 8 workers, one run each: 10 per worker 505/s,
p99 221 ms; unlimited 481/s, p99 620 ms. It is not the default because a server facing clients
directly would then hold every client beyond workers x N in the backlog until a keep-alive ends.
DAUYS_WEB_WORKER_CLASS=sync (a connection per request, as behind a proxy that does not keep
upstream connections) balances too: 508/s, p99 181 ms, with more CPU per request for the connections.

Behind nginx (deploy/nginx/dauys.conf) a host runs several nodes, each a gunicorn master with these
settings: `make serve` and `make bench` give each of their two nodes half of the workers above
(DAUYS_WEB_WORKERS=4 on 2 cores), so the host has the number measured best. DAUYS_WEB_CONNECTIONS
stays unlimited there: nginx opens as many connections as it has requests in flight, and a node
that caps them would leave the surplus in its backlog, unserved, whenever the other node is down.
"""

import multiprocessing
import os

bind = os.environ.get("DAUYS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DAUYS_WEB_WORKERS", multiprocessing.cpu_count() * 4))
worker_class = os.environ.get("DAUYS_WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("DAUYS_WEB_THREADS", 1))
worker_connections = int(os.environ.get("DAUYS_WEB_CONNECTIONS", 1000))  # gunicorn's default
keepalive = 30
backlog = 4096
max_requests = 0  # a worker keeps its caches (trust anchors, parsed leaves, the calendar)
accesslog = None
errorlog = "-"
loglevel = os.environ.get("DAUYS_LOG_LEVEL", "warning")


def post_worker_init(worker):
    """Let a Dauys app load what its first request would otherwise wait for (the CA's certificates
    and key: ~0.1 s once per process). Other apps served with these settings (the bench's bare
    Flask) are left alone."""
    warm_up = getattr(worker.wsgi, "extensions", {}).get("dauys.warm_up")
    if warm_up is not None:
        warm_up()


def post_fork(server, worker):
    """A worker dies with its master, at once: a node whose master is killed (SIGKILL, the OOM killer)
    is gone as a whole, and its workers do not go on serving the connections nginx keeps open to them
    (gunicorn's own check of the parent runs only between requests). Linux's PR_SET_PDEATHSIG; other
    systems keep gunicorn's check."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != server.pid:  # the master died before the call: go now
            os._exit(1)
    except (OSError, AttributeError):
        pass
