"""Quality gates that run with the suite: migrations complete, system checks and deploy checks clean, and no test
assertion that cannot fail."""

import ast
import operator
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_deploy_checks_pass_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coalition.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k8#Jq2!vLx9@pZr4$Wm7^Tn1&Yb6*Hc3(Fd0)Gs5_Ae8+Ui2-Oe7=Rt4",
        "ALLOWED_HOSTS": "hq.coalition.example.kz",
        "DATABASE_URL": "postgres://coalition@db.internal:5432/coalition",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "EMAIL_URL": "smtp+tls://hq:secret@mail.internal:587",
        "VAR_DIR": "/nonexistent-var",
    }
    env.pop("EMAIL_BACKEND", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_secret_key_in_production():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "DJANGO_SETTINGS_MODULE": "coalition.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


# --- assertions that cannot fail (#22) ---------------------------------------------------------------------------
# ruff catches most (F631, B011, SIM222, PLR0124, PLR0133, PLW0129; pyproject.toml), but SIM222 leaves `x or True`
# alone when x holds a call, which is how `assert cert.valid_until == cert.issued_on.replace(...) or True` slipped in.

_CONSTANT_COMPARISONS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: operator.contains(b, a),
    ast.NotIn: lambda a, b: not operator.contains(b, a),
}


def _always_true(node: ast.expr) -> bool:
    """Return whether an assert's test is true whatever the code under test does."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    if isinstance(node, ast.BoolOp):
        verdicts = [_always_true(value) for value in node.values]
        return any(verdicts) if isinstance(node.op, ast.Or) else all(verdicts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return isinstance(node.operand, ast.Constant) and not node.operand.value
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        calls = any(isinstance(part, ast.Call | ast.Await) for part in ast.walk(left))
        if isinstance(op, ast.Eq | ast.Is | ast.LtE | ast.GtE) and ast.dump(left) == ast.dump(right) and not calls:
            return True  # `x == x`; `f(x) == f(x)` can fail and checks that f is deterministic
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant) and type(op) in _CONSTANT_COMPARISONS:
            try:
                return bool(_CONSTANT_COMPARISONS[type(op)](left.value, right.value))
            except TypeError:
                return False
    return False


def always_true_asserts(source: str, filename: str = "<test>") -> list[str]:
    """Return ``file:line: assert …`` for every assert in the source whose test cannot fail."""
    return [
        f"{filename}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Assert) and _always_true(node.test)
    ]


@pytest.mark.parametrize(
    "line",
    [
        # The line #22 found in tests/events/test_training.py.
        "assert certificate.valid_until == certificate.issued_on.replace(year=certificate.issued_on.year + 1) or True",
        "assert response.status_code == 200 or 1",
        "assert True",
        "assert response.content == response.content",
        "assert 1 == 1",
        "assert (response.status_code, 'should be 200')",
        "assert 'the page renders'",
        "assert [x]",
        "assert not None",
        "assert (b or True) and 'x'",
    ],
)
def test_always_true_assert_is_found(line):
    assert always_true_asserts(line) == [f"<test>:1: {ast.unparse(ast.parse(line).body[0])}"]


@pytest.mark.parametrize(
    "line",
    [
        "assert certificate.valid_until == certificate.issued_on + datetime.timedelta(days=365)",
        "assert response.status_code == 200 or response.status_code == 302",
        "assert a and b",
        "assert not page.errors",
        "assert ()",
        "assert a == b",
        "assert 1 == 2",
        "assert a or False",
        "assert rules.declaration_version(text) == rules.declaration_version(text)",  # f is deterministic
    ],
)
def test_an_assert_that_can_fail_is_not_flagged(line):
    assert always_true_asserts(line) == []


def test_no_test_asserts_something_always_true():
    tests_dir = Path(settings.BASE_DIR) / "tests"
    found = [
        problem
        for path in sorted(tests_dir.rglob("*.py"))
        for problem in always_true_asserts(path.read_text(encoding="utf-8"), str(path.relative_to(settings.BASE_DIR)))
    ]
    assert found == [], "assertions that cannot fail:\n" + "\n".join(found)
