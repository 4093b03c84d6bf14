"""Holdline: voice IVR and hold-experience server. WSGI entry: ``app:create_app()``.

The factory is a list of small register_* steps. Each web package defines its blueprint
``bp`` in its ``views.py``; the modules that add routes to it are imported by the step
that registers it, so no views module imports its siblings to get them loaded. The steps
import inside themselves so that importing ``app.flow`` (a gunicorn master, a benchmark)
loads no web code; tests/test_architecture.py counts these imports like any other.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config, check
from .instance import kept_secret


def create_app(config: type[Config] | dict | None = None) -> Flask:
    # One instance folder per machine (its local token, jobs); default: instance/ here.
    instance = os.environ.get("HOLDLINE_INSTANCE_DIR")
    app = Flask(__name__, instance_relative_config=False,
                instance_path=os.path.abspath(instance) if instance else None)
    configure(app, config)
    register_logging()
    register_database(app)
    csrf = register_security(app)
    register_voice(app, csrf)
    register_web(app)
    register_jobs_and_commands(app)
    register_health(app)
    return app


def configure(app: Flask, config: type[Config] | dict | None) -> None:
    from .ids import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _defaults(app)
    check(app.config)  # a bad setting stops start-up, not a caller's webhook
    if hops := app.config.get("TRUSTED_PROXIES"):
        # Only then is X-Forwarded-For the client (login limits) and -Proto the scheme.
        # Flask's documented way to wrap its WSGI callable, which mypy sees as a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_logging() -> None:
    logging.basicConfig(level=os.environ.get("HOLDLINE_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def register_database(app: Flask) -> None:
    from .models import db

    db.init_app(app)


def register_security(app: Flask) -> CSRFProtect:
    from .auth import CookieSessions, login_manager
    from .headers import secure_headers

    app.session_interface = CookieSessions()
    csrf = CSRFProtect(app)
    secure_headers(app)
    login_manager.init_app(app)
    return csrf


def register_voice(app: Flask, csrf: CSRFProtect) -> None:
    """The provider's webhooks and callbacks."""
    from .agents import controls_views  # noqa: F401  (its routes join voice.bp, agents.bp)
    from .selfservice import views as selfservice
    from .voice import agent_views, hold_views, person, stream_views, voicemail_views  # noqa: F401
    from .voice import views as voice  # the modules above add their routes to voice.bp

    app.register_blueprint(voice.bp)
    csrf.exempt(voice.bp)  # provider webhooks carry Twilio signatures instead
    app.register_blueprint(selfservice.sms_bp)
    csrf.exempt(selfservice.sms_bp)  # the provider signs its callbacks


def register_web(app: Flask) -> None:
    """The pages people use: sign-in, texted forms, the agent console, the operator app."""
    from .admin import (  # noqa: F401
        content_channel_views,
        content_form_views,
        content_text_views,
        content_views,
        dashboard_views,
        feed_views,
        hours_views,
        menu_views,
        metrics,
        understanding_views,
        user_views,
    )
    from .admin import views as admin  # the modules above add their routes to admin.bp
    from .agents import softphone_views  # noqa: F401  (its routes join agents.bp)
    from .agents import views as agents
    from .auth import views as auth
    from .selfservice import views as selfservice
    from .supervisor import views as supervisor

    for bp in (auth.bp, selfservice.bp, agents.bp, admin.bp, supervisor.bp):
        app.register_blueprint(bp)
    metrics.install(app)


def register_jobs_and_commands(app: Flask) -> None:
    from . import jobs
    from .cli import register

    register(app)
    jobs.init_app(app)
    jobs.register(app)


def register_health(app: Flask) -> None:
    from .models import database_reachable

    @app.get("/")
    def home():
        return redirect(url_for("admin.index"))

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.get("/readyz")
    def readyz():
        """Ready means the database answers; a load balancer stops sending work when not."""
        if database_reachable():
            return {"ok": True}
        return {"ok": False, "reason": "database unreachable"}, 503


def _defaults(app: Flask) -> None:
    """SQLite in instance/ and a secret kept there, when the environment sets none."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/holdline.db"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = kept_secret(app.instance_path, "secret_key")
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        # Secure cookies wherever we are served over https (always, in production).
        app.config["SESSION_COOKIE_SECURE"] = (app.config.get("PUBLIC_BASE_URL") or "").startswith(
            "https")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # Heroku-style URLs
        uri = "postgresql://" + uri.removeprefix("postgres://")
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    # Pre-ping: after the database restarts, a stale pooled connection is replaced, not
    # a 500 (a SQLite file has no server to restart: no ping, a statement less per
    # request). Short connect timeouts: a webhook must answer well within 15 s, DB or not.
    options: dict[str, Any] = {"pool_pre_ping": not uri.startswith("sqlite")}
    if uri.startswith("sqlite"):
        # Concurrent gunicorn threads: wait for the write lock instead of failing.
        options["connect_args"] = {"timeout": 15}
    elif uri.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 3}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **options, **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})}
