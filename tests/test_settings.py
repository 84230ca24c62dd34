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


def test_the_vapid_key_pair_is_generated_once_and_a_wrong_public_key_stops_the_start(tmp_path):
    show = (
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.UCHAT_VAPID_PUBLIC_KEY)",
    )
    first = _manage(*show, UCHAT_DATA_DIR=str(tmp_path)).stdout.strip().splitlines()[-1]
    second = _manage(*show, UCHAT_DATA_DIR=str(tmp_path)).stdout.strip().splitlines()[-1]
    assert first == second
    assert len(first) == 87  # 65 bytes, base64url without padding
    assert first.startswith("B")  # 0x04: an uncompressed point
    assert len((tmp_path / "vapid_private_key").read_text().strip()) == 43
    wrong = _manage(*show, UCHAT_DATA_DIR=str(tmp_path), UCHAT_VAPID_PUBLIC_KEY="B" + "A" * 86)
    assert wrong.returncode != 0
    assert "UCHAT_VAPID_PUBLIC_KEY" in wrong.stderr


def _variables_read() -> set[str]:
    """Every environment variable the settings and bin/run read."""
    import re

    settings_source = (ROOT / "uchat" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    scripts = "".join((ROOT / "bin" / name).read_text() for name in ("run", "test", "services.sh"))
    read |= set(re.findall(r"\$\{?(UCHAT_[A-Z0-9_]+)", scripts))
    read |= set(re.findall(r'"(UCHAT_[A-Z0-9_]+|EMAIL_URL)"', scripts))
    return read


def test_readme_env_example_and_settings_name_the_same_variables():
    import re

    read = _variables_read()
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("## Database")]
    documented = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    example = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M)
    )
    assert "UCHAT_DATA_DIR" in read  # the reading itself is found
    assert read - documented == set(), "read but not in the README's table"
    assert documented - read == set(), "in the README's table but never read"
    assert read - example == set(), "read but not in .env.example"
    assert example - read == set(), "in .env.example but never read"


def test_dotenv_is_read_before_any_setting(tmp_path):
    """UCHAT_DATA_DIR in .env moves the database, key and uploads: .env is loaded first."""
    project = tmp_path / "project"
    (project / "uchat").mkdir(parents=True)
    (project / "uchat" / "__init__.py").write_text("")
    (project / "uchat" / "settings.py").write_text((ROOT / "uchat" / "settings.py").read_text())
    data = tmp_path / "elsewhere"
    (project / ".env").write_text(f"UCHAT_DATA_DIR={data}\nUCHAT_SITE_URL=https://chat.example\n")
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "UCHAT_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    probe = (
        "import uchat.settings as s; "
        "print(s.DATA_DIR, s.MEDIA_ROOT, s.DATABASES['default']['NAME'], s.UCHAT_SITE_URL)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=project,
        env={**base, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data_dir, media, database, site = result.stdout.split()
    assert data_dir == str(data)
    assert media.startswith(str(data))
    assert database.startswith(str(data))
    assert site == "https://chat.example"
    assert (data / "secret_key").exists()
    assert not (project / "var").exists()
