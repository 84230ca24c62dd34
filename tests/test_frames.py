"""docs/websocket.md lists exactly the frames the frame modules define, both ways."""

import re
from pathlib import Path

from rooms import frames
from rooms.sockets import ConversationConsumer, UserConsumer
from tickets import frames as desk_frames

DOC = Path(__file__).resolve().parent.parent / "docs" / "websocket.md"


def documented(section: str) -> set[str]:
    """The frame types in the first column of the section's table."""
    text = DOC.read_text()
    start = text.index(f"\n## {section}")
    end = text.find("\n## ", start + 1)
    names: set[str] = set()
    for line in text[start:end].splitlines():
        cells = line.split("|")
        if len(cells) > 2 and not set(cells[1].strip()) <= {"-", " "}:
            names |= set(re.findall(r"`([a-z_.]+)`", cells[1]))
    names.discard("type")  # the header row
    return names


def test_the_doc_lists_every_client_frame_and_no_other():
    assert documented("Client → server") == set(frames.CLIENT_FRAMES) | set(
        desk_frames.CLIENT_FRAMES
    )


def test_the_doc_lists_every_server_frame_and_no_other():
    defined = set(frames.SERVER_FRAMES) | set(desk_frames.SERVER_FRAMES)
    assert documented("Server → client") == defined


def test_the_sockets_take_exactly_the_client_frames():
    conversation = ConversationConsumer()
    person = UserConsumer()
    assert set(conversation.frame_handlers()) | {frames.SUBSCRIBE} == set(frames.CLIENT_FRAMES)
    # /ws/me/ also takes the desk's (rooms.hooks.socket_frames).
    assert set(person.frame_handlers()) == set(frames.CLIENT_FRAMES) | set(
        desk_frames.CLIENT_FRAMES
    )
