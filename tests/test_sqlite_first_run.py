"""The README's first-run command uses SQLite (no DATABASE_URL): every migration and the demo
data must work there too, while the suite itself runs on PostgreSQL. An index PostgreSQL took
(NULLS LAST) once broke `migrate` on SQLite with no test noticing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_migrate_and_demo_data_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(UCHAT_DATA_DIR=str(tmp_path), DJANGO_SECRET_KEY="first-run-" + "x" * 40)
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "uchat.sqlite3").stat().st_size > 0
    assert "Log in with any of these" in done.stdout  # seed_demo printed the demo logins
    # No error on the way, not even one only logged or mailed to the admins (the console
    # mail backend prints it): a JSON "contains" lookup SQLite lacks once failed that way.
    assert "Traceback" not in done.stdout + done.stderr
