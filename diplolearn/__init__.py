"""DiploLearn: an online course platform for diplomats.

``create_app`` reads like a table of contents: configuration, extensions, blueprints, error
handlers, command-line groups.
"""

from __future__ import annotations

from flask import Flask

from diplolearn.config import load_config
from diplolearn.routing import register_url_converters


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, config))
    register_url_converters(app)  # before any rule is added
    register_observability(app)  # first: its hooks open and close every request
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_observability(app: Flask) -> None:
    """JSON logs with request ids, access lines, Prometheus metrics and /metrics."""
    from diplolearn import observability

    observability.init_app(app)


def register_extensions(app: Flask) -> None:
    from diplolearn import database, forms, i18n, unit_of_work
    from diplolearn.auth.sessions import load_user
    from diplolearn.extensions import babel, csrf, db, limiter, login_manager, migrate
    from diplolearn.security.headers import register_security_headers
    from diplolearn.services import page_versions
    from diplolearn.services.signin import devices

    db.init_app(app)
    database.configure(app)
    migrate.init_app(app, db, directory=str(_project_path(app, "migrations")))
    babel.init_app(
        app, locale_selector=i18n.select_interface_language, timezone_selector=i18n.select_timezone
    )
    csrf.init_app(app)
    forms.register(app)
    limiter.init_app(app)
    # Every limit is a route's own (decorators, checked by the decorated view) or the API
    # gate's: the extension's check before every request finds nothing to check, yet cost a
    # fifth of a small page's time. tests/test_security.py fails if a blueprint, default or
    # application-wide limit is ever added, which would need it back.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    register_security_headers(app)
    unit_of_work.register(app)
    devices.install()  # a POST's device "last seen" is written just before its commit
    page_versions.install()  # every commit moves the versions of the pages it changed


def _project_path(app: Flask, name: str):
    from pathlib import Path

    return Path(app.root_path).parent / name


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience area, each under its URL prefix."""
    from diplolearn.admin import bp as admin_bp
    from diplolearn.api import bp as api_bp
    from diplolearn.auth import bp as auth_bp
    from diplolearn.authoring import bp as authoring_bp
    from diplolearn.certificates import bp as certificates_bp
    from diplolearn.learner import bp as learner_bp
    from diplolearn.main import bp as main_bp
    from diplolearn.messages import bp as messages_bp
    from diplolearn.ministry import bp as ministry_bp
    from diplolearn.teach import bp as teach_bp
    from diplolearn.verify import bp as verify_bp

    app.register_blueprint(main_bp)  # /, /healthz, /account, /media/images
    app.register_blueprint(auth_bp)  # /login, /logout, /invitation, /password
    app.register_blueprint(learner_bp, url_prefix="/learn")
    app.register_blueprint(teach_bp, url_prefix="/teach")
    app.register_blueprint(authoring_bp, url_prefix="/author")
    app.register_blueprint(ministry_bp, url_prefix="/ministry")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(certificates_bp, url_prefix="/certificates")
    app.register_blueprint(verify_bp, url_prefix="/verify")
    app.register_blueprint(api_bp, url_prefix="/api/v1")  # JSON for ministries' systems
    app.register_blueprint(messages_bp, url_prefix="/messages")  # learner-tutor (issue 20)


def register_errorhandlers(app: Flask) -> None:
    from diplolearn.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from diplolearn.templating import register

    register(app)


def register_cli(app: Flask) -> None:
    from diplolearn.cli import register

    register(app)
