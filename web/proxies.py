"""Who the client is behind a reverse proxy: X-Forwarded-For believed from the proxies only.

nginx (deploy/nginx/dauys.conf) holds the clients' connections, so every request reaches gunicorn
from nginx's address, and rate limits (Flask-Limiter's `get_remote_address`) and the audit trail
would see one client. nginx says who the client was in X-Forwarded-For, and whether it came over
TLS in X-Forwarded-Proto. Anyone can send those headers, so they are read (werkzeug's ProxyFix,
the rightmost DAUYS_PROXY_HOPS values) only on a connection whose peer is one of
DAUYS_TRUSTED_PROXIES; on any other connection (a client that reached gunicorn directly) they are
ignored and the client is the peer. DAUYS_PROXY_HOPS=0 (the default) ignores them everywhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from a trusted proxy, the request untouched otherwise."""

    def __init__(self, wsgi_app: Callable, hops: int, networks: Iterable):
        self.direct = wsgi_app
        self.networks = tuple(networks)
        self.proxied = ProxyFix(wsgi_app, x_for=hops, x_proto=hops)

    def trusted(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:  # a unix socket has no address: nginx on the same host
            return peer in (None, "")
        return any(address in network for network in self.networks)

    def __call__(self, environ: dict, start_response: Callable):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.proxied(environ, start_response)
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO"):
            environ.pop(header, None)  # nobody below reads a client's word for it
        return self.direct(environ, start_response)


def init_app(app: Flask) -> None:
    """Behind DAUYS_PROXY_HOPS trusted proxies, take the client's address and scheme from them."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = TrustedProxies(app.wsgi_app, hops, config.proxy_networks(app.config["TRUSTED_PROXIES"]))
