"""static/js/protocol.js mirrors what the server defines for its sockets (frame names, close codes,
error codes, notification codes, API subcodes), and no other script spells a frame name, a socket
error code, a close code or a notification code: they import protocol.js. The scripts are parsed
with acorn (tests/js/literals.mjs, from the project's npm dev dependencies)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from core import api_errors
from notifications.models import Code
from rooms import frames
from rooms.sockets import base
from tickets import frames as desk_frames

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "static" / "js"


def scan(folder: Path = SCRIPTS) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "acorn").is_dir():
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("node and the npm dev dependencies are required (npm ci)")
        pytest.skip("node or the npm dev dependencies are missing (npm ci)")
    result = subprocess.run(  # noqa: S603
        [node, str(ROOT / "tests" / "js" / "literals.mjs"), str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def server_frames() -> dict[str, str]:
    """Every frame type the server defines, by its constant's name."""
    defined = set(frames.CLIENT_FRAMES) | set(frames.SERVER_FRAMES) | set(desk_frames.SERVER_FRAMES)
    defined |= set(desk_frames.CLIENT_FRAMES)
    names = {
        name: value
        for module in (frames, desk_frames)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and value in defined
    }
    assert set(names.values()) == defined  # each defined frame has a constant
    return names


def socket_error_codes() -> set[str]:
    """The codes the sockets' own error frames carry (send_error's first argument)."""
    source = "".join(path.read_text() for path in (ROOT / "rooms" / "sockets").glob("*.py"))
    return set(re.findall(r'send_error\(\s*"(\w+)"', source))


def close_codes() -> dict[str, int]:
    return {
        name.removeprefix("CLOSE_"): value
        for name, value in vars(base).items()
        if name.startswith("CLOSE_") and isinstance(value, int)
    }


def test_protocol_js_holds_what_the_server_defines():
    protocol = scan()["protocol"]
    assert protocol["FRAME"] == server_frames()
    assert protocol["CLOSE"] == close_codes()
    assert set(protocol["SOCKET_ERROR"].values()) == socket_error_codes()
    assert protocol["NOTIFICATION"] == {code.name: code.value for code in Code}
    subcodes = {
        name: value
        for name, value in vars(api_errors).items()
        if name.isupper() and isinstance(value, int) and not isinstance(value, bool)
    }
    assert protocol["API_ERROR"] == subcodes


def spelled_elsewhere(found: dict[str, Any]) -> list[str]:
    """Literals outside protocol.js that spell a frame name, a socket error code or a code."""
    names = set(server_frames().values()) | socket_error_codes()
    numbers = set(close_codes().values()) | {code.value for code in Code}
    return sorted(
        f"{hit['file']}:{hit['line']}: {hit['value']!r}"
        for hit in found["literals"]
        if hit["value"] in (numbers if isinstance(hit["value"], int) else names)
    )


def test_no_other_script_spells_a_frame_name_or_code():
    assert spelled_elsewhere(scan()) == []


def test_the_rule_sees_strings_but_not_comments_or_dom_names(tmp_path):
    shutil.copy(SCRIPTS / "protocol.js", tmp_path / "protocol.js")
    (tmp_path / "page.js").write_text(
        "/* a comment may say message.created */\n"
        'import { FRAME } from "./protocol.js";\n'
        'document.getElementById("typing");\n'
        'window.addEventListener("error", () => {});\n'
        'const pattern = /"sync"/;\n'
        'send({ type: "message.created" });\n'
        "const text = `typing`;\n"
        "if (code === 4403) stop();\n"
        'const handlers = { "member.added": add, pong: () => {}, [FRAME.SYNC]: sync };\n'
        "const { typing } = handlers;\n"
    )
    assert spelled_elsewhere(scan(tmp_path)) == [
        "page.js:6: 'message.created'",
        "page.js:7: 'typing'",
        "page.js:8: 4403",
        "page.js:9: 'member.added'",
        "page.js:9: 'pong'",
    ]
