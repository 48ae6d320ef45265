"""Pages of identity: sign in with EDS, sign out, the account page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from auth import services
from auth.forms import ContactForm, EdsLoginForm, LogoutForm
from extensions import db, limiter
from kernel.errors import DomainError
from redirect_targets import same_site_path

bp = Blueprint("auth", __name__)


def _page_session_lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_SESSION_SECONDS"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    form = EdsLoginForm()
    if request.method == "GET":
        form.next.data = same_site_path(request.args.get("next"), default="")
    if form.validate_on_submit():
        # decided before anything is written: no `next` can fail the request after the commit
        target = same_site_path(form.next.data, default=url_for("auth.account"))
        now = datetime.now(UTC)
        replaced = current_user.session_handle if current_user.is_authenticated else None
        try:
            signed_in = services.login_with_eds(form.jws.data, now, _page_session_lifetime())
            if replaced:  # the session this browser had is replaced: end it
                services.end_login_session(replaced, now)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("auth/login.html", form=form), error.status
        login_user(signed_in.user)
        flash(_("You are signed in."), "success")
        return redirect(target)
    status = 400 if request.method == "POST" else 200
    for message in form.jws.errors:
        flash(message, "error")
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            # ended on the server: every copy of this cookie, anywhere, stops working
            services.end_login_session(current_user.session_handle, datetime.now(UTC))
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
    return render_template("auth/account.html", form=form, person=current_user.person)
