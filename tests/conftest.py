from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def usecase_text():
    def read(name: str) -> str:
        return (FIXTURES / "usecases" / name).read_bytes().decode("utf-8")

    return read


def shared_or_skip(*parts: str) -> Path:
    """A path under ../shared (the labelled corpus and its scorer), when it sits beside us."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the labelled corpus is not beside this checkout")
    return path
