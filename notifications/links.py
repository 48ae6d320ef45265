"""The addresses notifications link to: on a page, the address the page is served from; in an e-mail,
the configured DAUYS_BASE_URL.

A page's link is a path (url_for without _external), so the browser resolves it against the address
it asked for, whatever host and port that was, and no Host header a client sent is ever written into
it. An e-mail is written by a worker that has no request (and must not trust one's Host header: a
spoofed one would put another site's address into a message a citizen receives from us), so its links
are built on DAUYS_BASE_URL, which `make demo` sets from HOST and PORT.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app, url_for

from notifications.events import Link


def page_url(link: Link) -> str:
    """The link's page as a path of this site, for a page being served (needs a request)."""
    return url_for(link.endpoint, _anchor=link.anchor, **link.values)


def external_url(endpoint: str, _anchor: str | None = None, **values: object) -> str:
    """A page's full address on DAUYS_BASE_URL, for an e-mail (needs only the app): the same rules
    url_for builds with, bound to the configured scheme, host, port and path instead of a request's."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return url + ("#" + quote(_anchor, safe="-_.") if _anchor else "")


def mail_url(link: Link) -> str:
    return external_url(link.endpoint, link.anchor, **link.values)
