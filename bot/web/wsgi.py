"""The WSGI application for gunicorn (`web:` in the Procfile). It only receives and stores;
the `worker:` process does the rest."""

from __future__ import annotations

from flask import Flask

from bot.config import Secrets, load_settings
from bot.runtime import Runtime, keep_started, setup_logging
from bot.web.app import create_app


def build() -> Flask:
    setup_logging()
    runtime = Runtime.build(load_settings(), Secrets.from_env())
    app = create_app(runtime.settings, runtime.secrets, runtime.db, runtime.metrics)
    keep_started()
    return app


app = build()
