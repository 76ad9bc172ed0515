"""Where the fake trackers find GitHub's and Jira's OpenAPI descriptions, which every request
the bot sends is checked against.

`USECASE_BOT_TEST_GITHUB_OPENAPI` / `USECASE_BOT_TEST_JIRA_OPENAPI` name published
descriptions (the GitHub Actions job downloads them: npm `@octokit/openapi`, Atlassian's
`swagger-v3.v3.json`); otherwise the extracts in `../shared/fixtures` beside the checkout are
used. With `CI` set a missing description fails the run, so the contract checks can never be
silently off there; elsewhere the tests run unchecked and say so in pytest's warnings."""

from __future__ import annotations

import os
import warnings
from functools import cache
from pathlib import Path

from tests.fake_http import SHARED_FIXTURES, OpenApiCheck, load_check

_ENV = {"github": "USECASE_BOT_TEST_GITHUB_OPENAPI", "jira": "USECASE_BOT_TEST_JIRA_OPENAPI"}


@cache
def api_check(tracker: str) -> OpenApiCheck | None:
    """The tracker's request check, read once per session: the published GitHub description
    is 13 MB of JSON."""
    named = os.environ.get(_ENV[tracker])
    if named and not Path(named).is_file():
        raise FileNotFoundError(f"{_ENV[tracker]} names {named}, which does not exist")
    path = Path(named) if named else SHARED_FIXTURES / tracker / "openapi-subset.json"
    check = load_check(path)
    if check is None:
        warnings.warn(f"{path} is absent: requests to the fake {tracker} are NOT checked "
                      f"against its API description (set {_ENV[tracker]})", stacklevel=2)
    return check
