"""The Customer Conduct Portal: create_app() builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import Engine

from portal import assets, chrome, db, faults, kept_pages, logs, page_urls, security
from portal.config import BASE_DIR, INSTANCE_DIR, Config
from portal.extensions import babel, csrf, login_manager
from portal.htmx import htmx


def _import_models() -> None:
    from portal import page_stamps as _page_stamps  # noqa: F401  (its triggers too)
    from portal import search as _search  # noqa: F401  (its tables follow create_all)
    from portal.accounts import models as _accounts  # noqa: F401
    from portal.api import models as _api  # noqa: F401
    from portal.appeals import models as _appeals  # noqa: F401
    from portal.arrangements import models as _arrangements  # noqa: F401
    from portal.audit import models as _audit  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.conduct_warnings import models as _warnings  # noqa: F401
    from portal.correspondence import models as _correspondence  # noqa: F401
    from portal.customers import adjustments as _adjustments  # noqa: F401
    from portal.customers import models as _customers  # noqa: F401
    from portal.equality import models as _equality  # noqa: F401
    from portal.idempotency import SubmissionKey as _submission_keys  # noqa: F401
    from portal.incidents import models as _incidents  # noqa: F401
    from portal.letters import models as _letters  # noqa: F401
    from portal.notifications import models as _notifications  # noqa: F401
    from portal.organisation import models as _organisation  # noqa: F401
    from portal.outbox import models as _outbox  # noqa: F401
    from portal.panel import models as _panel  # noqa: F401
    from portal.references import ReferenceCounter as _reference_counters  # noqa: F401
    from portal.reports import models as _reports  # noqa: F401
    from portal.restrictions import models as _restrictions  # noqa: F401
    from portal.reviews import models as _reviews  # noqa: F401
    from portal.scheduling import models as _scheduling  # noqa: F401
    from portal.themes import models as _themes  # noqa: F401
    from portal.workdays import models as _workdays  # noqa: F401


def create_app(overrides: dict | None = None, engine: Engine | None = None) -> Flask:
    """Build the app: config, database, extensions, blueprints, CLI and template helpers.

    ``engine`` is an engine to share with other apps on the same database; without it the app
    makes its own from ``DATABASE_URL``.
    """
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    _configure(app, overrides)
    _bind_database(app, engine)
    _init_extensions(app)
    _register_views(app)
    _template_helpers(app)
    _responses(app)
    assets.init_app(app)
    chrome.init_app(app)
    kept_pages.init_app(app)
    page_urls.init_app(app)
    return app


def _configure(app: Flask, overrides: dict | None) -> None:
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    security.check_settings(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(BASE_DIR / "translations")


def _bind_database(app: Flask, engine: Engine | None) -> None:
    _import_models()
    engine = engine or db.make_engine(
        app.config["DATABASE_URL"],
        lock_timeout=app.config.get("DATABASE_LOCK_TIMEOUT"),
        statement_timeout=app.config.get("DATABASE_STATEMENT_TIMEOUT"),
    )
    app.extensions["engine"] = engine
    db.bind(engine)

    @app.teardown_appcontext
    def _remove_session(exc):
        if exc is not None:
            db.session.rollback()
        db.session.remove()


def _init_extensions(app: Flask) -> None:
    from portal.auth import sessions, throttle
    from portal.i18n import install_page_domain, install_template_gettext, select_locale

    babel.init_app(app, locale_selector=select_locale)
    install_page_domain(app)
    install_template_gettext(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    if app.config["RATELIMIT_ENABLED"]:
        app.extensions["throttle"] = throttle.counter(app.config)
    login_manager.login_view = "staff.sign_in"
    login_manager.login_message = None
    login_manager.user_loader(sessions.load_user)
    app.session_interface = sessions.SessionCookie()


def _register_views(app: Flask) -> None:
    from portal.api import bp as api_bp
    from portal.cli import register_cli
    from portal.customer import bp as customer_bp
    from portal.staff import bp as staff_bp

    app.register_blueprint(staff_bp)
    app.register_blueprint(customer_bp)
    app.register_blueprint(api_bp)
    register_cli(app)


def _template_helpers(app: Flask) -> None:
    from portal.auth import permissions
    from portal.i18n import (
        date_time,
        language_label,
        long_date,
        plain_date,
        short_date,
        text_direction,
    )
    from portal.organisation.links import contact_links
    from portal.organisation.services import always_open, organisation_name
    from portal.organisation.texts import org_text

    @app.context_processor
    def _globals():
        locale = str(get_locale() or "en")
        return {
            "locale": locale,
            "text_dir": text_direction(locale),
            "languages": app.config["LANGUAGES"],
            "perms": permissions,
        }

    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["plain_date"] = plain_date
    app.jinja_env.filters["language_label"] = language_label
    app.jinja_env.filters["date_time"] = date_time
    app.jinja_env.filters["contact_links"] = contact_links
    app.jinja_env.globals["always_open"] = always_open
    app.jinja_env.globals["org_text"] = org_text
    app.jinja_env.globals["organisation_name"] = organisation_name
    app.jinja_env.globals["error_layout"] = lambda: security.error_layout(request.path)
    app.jinja_env.add_extension("jinja2.ext.i18n")


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
}
ERROR_PAGES = (400, 403, 404, 405, 413, 500)


def _responses(app: Flask) -> None:
    """Security headers on every response, and the error pages."""

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def _error(status: int):
        def handler(_exc):
            return render_template(f"errors/{status}.html"), status

        return handler

    for status in ERROR_PAGES:
        app.register_error_handler(status, _error(status))
    security.init_app(app)
    faults.init_app(app)  # after the 500 handler above: it replaces it
    logs.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc):
        back = security.safe_back_link(request.referrer)
        return render_template(
            "errors/csrf.html", back=back, home=security.home_for(request.path)
        ), 400
