"""Pages of identity: sign in with EDS, sign out, the account page."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from auth import landing, services
from auth.forms import ContactForm, EdsLoginForm, LogoutForm
from auth.labels import grant_label
from extensions import db, limiter
from jsonapi import is_api_request
from kernel.errors import DomainError
from redirect_targets import same_site_path
from web import clock
from web.forms import post_form

bp = Blueprint("auth", __name__)
bp.add_app_template_global(landing.landings, "ways_on")  # the 403 page's links on (templates/errors/)
bp.add_app_template_global(landing.ROLE_NEEDED, "ROLE_NEEDED")


def sign_in_first():
    """The answer to an anonymous request for a page that needs a signed-in user: the sign-in page,
    with `next` the page asked for, so that signing in leads back to it (auth.login reads `next`
    with redirect_targets.same_site_path, as this does). A GET comes back to itself; a form's POST
    to its page when it has one (a GET at the same path), else to the user's landing page."""
    if is_api_request():
        raise DomainError("unauthorized")
    here = request.script_root + request.path
    if request.method in ("GET", "HEAD"):
        query = request.query_string.decode("utf-8", "replace")
        back = here + ("?" + query if query else "")
    else:
        back = here if _has_page(request.path) else ""
    back = same_site_path(back, default="")
    flash(_("Sign in to open this page."), "info")
    login = url_for("auth.login", next=back) if back else url_for("auth.login")
    return redirect(login, code=302 if request.method in ("GET", "HEAD") else 303)


def _has_page(path: str) -> bool:
    """True when a GET of `path` is a page of this site (a form's POST to it came from it)."""
    return current_app.url_map.bind_to_environ(request.environ).test(path, "GET")


def _page_session_lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_SESSION_SECONDS"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    form = EdsLoginForm()
    if request.method == "GET":
        form.next.data = same_site_path(request.args.get("next"), default="")

    def sign_in():
        now = clock.now()
        replaced = current_user.session_handle if current_user.is_authenticated else None
        signed_in = services.login_with_eds(form.jws.data, now, _page_session_lifetime())
        if replaced:  # the session this browser had is replaced: end it
            services.end_login_session(replaced, now)
        return signed_in

    # decided before anything is written: no `next` can fail the request after the commit
    target = same_site_path(form.next.data, default="")
    posted = post_form(form, sign_in)
    if posted.done:
        login_user(posted.result.user)
        flash(_("You are signed in."), "success")
        return redirect(target or landing.landing_url(posted.result.user))
    if posted.error is not None:  # the use case refused: its message is flashed
        return render_template("auth/login.html", form=form), posted.status
    for message in form.jws.errors:
        flash(message, "error")
    return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            # ended on the server: every copy of this cookie, anywhere, stops working
            services.end_login_session(current_user.session_handle, clock.now())
            db.session.commit()
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("home.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ContactForm(obj=current_user.person)
    if form.validate_on_submit():
        current_user.person.email = form.email.data or None
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.account"))
    locale = str(get_locale() or "kk")
    roles = [grant_label(g.role, g.scope, g.body, locale) for g in current_user.grants if g.well_formed]
    return render_template("auth/account.html", form=form, person=current_user.person, roles=roles)
