"""Holdline: voice IVR and hold-experience server. WSGI entry: ``app:create_app()``."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

from .config import Config


def create_app(config: type[Config] | dict | None = None) -> Flask:
    # One instance folder per machine (its local token, jobs); default: instance/ here.
    instance = os.environ.get("HOLDLINE_INSTANCE_DIR")
    app = Flask(__name__, instance_relative_config=False,
                instance_path=os.path.abspath(instance) if instance else None)
    from .ids import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _defaults(app)
    if hops := app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only then is X-Forwarded-For the client (login limits) and -Proto the scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logging.basicConfig(level=os.environ.get("HOLDLINE_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from .models import db

    db.init_app(app)

    from flask_wtf.csrf import CSRFProtect

    from .auth import login_manager
    from .auth.views import bp as auth_bp
    from .headers import secure_headers
    from .voice import (  # noqa: F401  (routes on voice_bp)
        agent_views,
        hold_views,
        person,
        stream_views,
        voicemail_views,
    )
    from .voice.views import bp as voice_bp

    csrf = CSRFProtect(app)
    secure_headers(app)
    login_manager.init_app(app)
    app.register_blueprint(voice_bp)
    csrf.exempt(voice_bp)  # provider webhooks carry Twilio signatures instead
    app.register_blueprint(auth_bp)
    from .selfservice.views import bp as selfservice_bp
    from .selfservice.views import sms_bp

    app.register_blueprint(selfservice_bp)
    app.register_blueprint(sms_bp)
    csrf.exempt(sms_bp)  # the provider signs its callbacks
    from .admin.views import bp as admin_bp
    from .agents.views import bp as agents_bp

    app.register_blueprint(agents_bp)

    app.register_blueprint(admin_bp)

    from . import jobs
    from .cli import register

    register(app)
    jobs.init_app(app)
    jobs.register(app)

    @app.get("/")
    def home():
        from flask import redirect, url_for

        return redirect(url_for("admin.index"))

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.get("/readyz")
    def readyz():
        """Ready means the database answers; a load balancer stops sending work when not."""
        from .models import database_reachable

        if database_reachable():
            return {"ok": True}
        return {"ok": False, "reason": "database unreachable"}, 503

    return app


def _defaults(app: Flask) -> None:
    """SQLite in instance/ and a secret kept there, when the environment sets none."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/holdline.db"
    if not app.config.get("SECRET_KEY"):
        path = Path(app.instance_path) / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        app.config["SECRET_KEY"] = path.read_text().strip()
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
    # a 500. Short connect timeouts: a webhook must answer well within 15 s, DB or not.
    options = {"pool_pre_ping": True}
    if uri.startswith("sqlite"):
        # Concurrent gunicorn threads: wait for the write lock instead of failing.
        options["connect_args"] = {"timeout": 15}
    elif uri.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 3}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **options, **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})}
