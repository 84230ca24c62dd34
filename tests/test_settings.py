"""Production-like settings pass Django's deployment checks with nothing silenced."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "UCHAT_HTTPS"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 20 + "production-secret-key-with-enough-entropy-1234567890",
        DJANGO_ALLOWED_HOSTS="chat.example.com",
        UCHAT_HTTPS="1",
        UCHAT_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_debug_is_off_unless_asked(tmp_path):
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        UCHAT_DATA_DIR=str(tmp_path),
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_a_missing_secret_key_is_generated_once_and_kept(tmp_path):
    show = ("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)")
    first = _manage(*show, UCHAT_DATA_DIR=str(tmp_path)).stdout.strip().splitlines()[-1]
    second = _manage(*show, UCHAT_DATA_DIR=str(tmp_path)).stdout.strip().splitlines()[-1]
    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "secret_key").read_text().strip() == first
