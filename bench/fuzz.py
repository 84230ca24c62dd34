"""The long schemathesis run: every API operation, UCHAT_FUZZ_EXAMPLES generated requests each
(default 200), randomized, against PostgreSQL. The suite runs the same test with 6 examples.

Prints a table and one JSON line; exits non-zero when any request got a server error."""

import json
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class Counter:
    def __init__(self) -> None:
        self.outcome = "not run"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.outcome = report.outcome


def main() -> int:
    examples = int(os.environ.setdefault("UCHAT_FUZZ_EXAMPLES", "200"))
    os.chdir(ROOT)
    counter = Counter()
    started = time.monotonic()
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", "tests/test_api_fuzz.py"], plugins=[counter]
    )
    seconds = time.monotonic() - started
    print()
    print("| benchmark | examples per operation | result | seconds |")
    print("| --- | --- | --- | --- |")
    print(f"| API fuzz (schemathesis) | {examples} | {counter.outcome} | {seconds:.0f} |")
    result = {"bench": "fuzz", "examples": examples, "outcome": counter.outcome}
    print(json.dumps({**result, "seconds": round(seconds, 1)}))
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
