"""In CI, a skipped test is a failure unless the reason it gives is true in CI.

A skip is how a test says "this machine cannot run me" (no neural voice installed, a sound card
present). Locally that is fine; in CI (``CI=true``, as CI services set it and ``.ci/run``
exports it) every dependency is installed, so a skip there usually means a regression took the
engine down and the tests that would have caught it quietly stepped aside. These hooks turn
such a skip into a failure that names the reason; a reason that really is true in CI goes on
:data:`CI_SKIP_REASONS`, word for word. Expected failures (``xfail``) are left alone.

``tests/conftest.py`` imports the hooks; ``-p tests.ci_skips`` loads them as a plugin.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

CI_SKIP_REASONS = frozenset(
    {
        # facts about the machine, which CI does not control
        "this machine has a sound device",
        "this machine has a sound card",
        "this libasound does not print",
        "pytest runs with -s on a terminal",
        # .ci/run's first pass uses whichever eSpeak NG library there is; the second pass
        # installs the system library and runs the speech and play tests against it
        "no system libespeak-ng here",
        # other platforms than the Linux CI runs on
        "these tests pin down the eSpeak NG path (Linux)",
        "pseudo-terminals are POSIX",
        "needs /proc to see open files",
        "aplay is Linux's player",
    }
)
"""Skip reasons that are true in CI, exactly as the tests give them."""

_CI_VALUES = ("true", "1", "yes")


def in_ci() -> bool:
    """Whether the environment says this is CI (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in _CI_VALUES


def skip_reason(longrepr: object) -> str:
    """The reason a skip report gives (pytest stores it as ``(file, line, "Skipped: why")``)."""
    message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    return str(message).removeprefix("Skipped: ")


def _fail_a_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail") or not in_ci():
        return
    reason = skip_reason(report.longrepr)
    if reason in CI_SKIP_REASONS:
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped in CI (CI={os.environ.get('CI')}), where everything is installed: {reason}\n"
        "(install what the test needs; if the reason really is true in CI, add it word for word "
        "to CI_SKIP_REASONS in tests/ci_skips.py)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    """A test skipped in setup or in its body (``pytest.skip``, ``skipif``, a fixture)."""
    outcome = yield
    _fail_a_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[Any]:
    """A whole module skipped while it is collected (a module-level ``importorskip``)."""
    outcome = yield
    _fail_a_skip_in_ci(outcome.get_result())
