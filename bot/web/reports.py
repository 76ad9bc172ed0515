"""The scope-drift report pages, served from the files the report job wrote."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, send_from_directory

from bot.config import Settings

reports = Blueprint("reports", __name__)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# The page has no script and loads nothing: say so, so an injected one would not run either.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


def _page(name: str, what: str) -> Response | tuple[Response, int]:
    settings: Settings = current_app.extensions["usecase_bot"].settings
    # Relative to the working directory, where the report job writes it, not to Flask's root.
    folder = Path(settings.report.output_dir).resolve()
    if not (folder / name).is_file():
        return jsonify(error=f"no report {what} in {settings.report.output_dir}"), 404
    answer = send_from_directory(folder, name, mimetype="text/html")
    answer.headers["Content-Security-Policy"] = _POLICY
    return answer


@reports.get("/reports/latest")
def latest() -> Response | tuple[Response, int]:
    return _page("latest.html", "has been written yet")


@reports.get("/reports/<day>")
def on_day(day: str) -> Response | tuple[Response, int]:
    try:
        valid = bool(_DAY.fullmatch(day)) and date.fromisoformat(day).isoformat() == day
    except ValueError:
        valid = False
    if not valid:
        return jsonify(error="a report's date is written YYYY-MM-DD"), 404
    return _page(f"{day}.html", f"for {day}")
