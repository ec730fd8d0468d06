"""In CI a skip is a failure unless its reason is true in CI (``tests/ci_skips.py``).

Each test runs pytest, in this process, on a small test file with the hooks loaded as a plugin,
with ``CI`` set as a CI service sets it, or not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci_skips import CI_SKIP_REASONS, in_ci

SKIPS = """
import pytest

@pytest.fixture
def engine():
    pytest.skip("speech engine 'piper' is not installed: Piper is not installed")

def test_uses_an_engine_that_is_not_installed(engine):
    pass

def test_skips_in_its_body():
    pytest.skip("pyttsx3/eSpeak NG is not installed: no library")

@pytest.mark.skipif(True, reason="this machine has a sound device")
def test_needs_no_sound_device():
    pass

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_a_known_bug():
    assert False

def test_passes():
    pass
"""


def _run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, ci: str | None
) -> pytest.RunResult:
    pytester.makepyfile(test_sample=source)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # faster: no hypothesis etc.
    return pytester.runpytest(
        "-p", "tests.ci_skips", "-p", "no:cacheprovider", "-rfEs",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",  # the plugin is imported already
    )  # fmt: skip


def test_in_ci_a_skip_for_something_not_installed_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A skip whose reason is not on the allow-list fails in CI, in a fixture (an error at
    setup) or in the test's body, while an allowed reason and an xfail stay as they are
    (catches the hook missing, or not looking at CI, or only looking at one phase)."""
    result = _run(pytester, monkeypatch, SKIPS, "true")
    result.assert_outcomes(failed=1, errors=1, skipped=1, xfailed=1, passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*skipped in CI (CI=*), where everything is installed: speech engine 'piper' is not "
            "installed: Piper is not installed",
            "*add it word for word to CI_SKIP_REASONS in tests/ci_skips.py*",
        ]
    )
    result.stdout.fnmatch_lines(["SKIPPED*this machine has a sound device"])


@pytest.mark.parametrize(
    ("value", "ci"),
    [
        *[("true", True), ("TRUE", True), ("1", True), (" yes ", True)],
        *[(None, False), ("", False), ("false", False), ("0", False), ("no", False)],
    ],
)
def test_ci_is_what_ci_services_set(
    value: str | None, ci: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches ``CI=true`` not recognized (every skip passing in CI) or ``CI=false`` taken
    for CI (every skip failing locally)."""
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_outside_ci_a_skip_stays_a_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locally every skip is a skip (catches the hook failing skips whatever CI says)."""
    result = _run(pytester, monkeypatch, SKIPS, "false")
    result.assert_outcomes(skipped=3, xfailed=1, passed=1)
    assert result.ret == pytest.ExitCode.OK


MODULE_SKIP = """
import pytest

pytest.importorskip("no_such_module_for_coach", reason="Piper is not installed")

def test_never_collected():
    pass
"""


def test_in_ci_a_module_skipped_at_collection_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module-level ``importorskip`` (test_piper_engine.py has one) is an error in CI
    (catches the collection hook missing: the whole module would vanish into one skip)."""
    result = _run(pytester, monkeypatch, MODULE_SKIP, "true")
    result.assert_outcomes(errors=1)
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*skipped in CI*Piper is not installed"])


def test_outside_ci_a_module_skipped_at_collection_is_skipped(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches the collection hook failing a module's skip outside CI."""
    result = _run(pytester, monkeypatch, MODULE_SKIP, None)
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_every_allowed_reason_is_one_a_test_gives() -> None:
    """The allow-list holds only reasons some test really gives, word for word (catches a
    reason left behind after its test changed, which would let a new skip slip through)."""
    tests = Path(__file__).parent
    sources = "\n".join(
        path.read_text("utf-8")
        for path in tests.rglob("*.py")
        if path.name not in ("ci_skips.py", "test_ci_skips.py")
    )
    assert [r for r in sorted(CI_SKIP_REASONS) if f'"{r}"' not in sources] == []
