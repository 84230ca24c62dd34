"""docs/architecture.md's event table is the dispatcher's table (core.domain_events): each row's
handler column names exactly the handlers registered for its event, in the order they run, and
every event with handlers has its row."""

import re
from pathlib import Path

from core import domain_events

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
# "<app> `module.function`": the app is optional (a second handler of the same app).
HANDLER = re.compile(r"(?:\b([a-z_]+) )?`([A-Za-z_][\w.]*)`")


def _rows() -> dict[str, str]:
    """Event name -> the row's handler column."""
    section = DOC.read_text().split("## Side effects")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `") and "(`" in line:
            name = line.split("(`", 1)[1].split("`", 1)[0]
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[name] = cells[3]
    return rows


def handler_names(column: str) -> list[tuple[str | None, str]]:
    """The (app, name) of each handler a handler column names, in order. What a handler does
    is in parentheses (frames, notes such as "the `TicketChanged` handler only"): not names."""
    while True:
        bare = re.sub(r"\([^()]*\)", "", column)
        if bare == column:
            break
        column = bare
    return [(app or None, name) for app, name in HANDLER.findall(column)]


def _names(doc: tuple[str | None, str], registered: str) -> bool:
    app, name = doc
    return (registered == name or registered.endswith(f".{name}")) and (
        app is None or registered.split(".", 1)[0] == app
    )


def test_the_handler_column_parser_skips_notes():
    column = (
        "rooms `notify.a` (`x.frame`, (nested `y`)); tickets `reactions.b` (e-mail); `reactions.c`"
    )
    assert handler_names(column) == [
        ("rooms", "notify.a"), ("tickets", "reactions.b"), (None, "reactions.c")
    ]  # fmt: skip
    assert handler_names("none yet (a webhook's place)") == []
    assert handler_names("(the `TicketChanged` handler only)") == []


def test_the_doc_names_exactly_the_registered_handlers_in_order():
    rows = _rows()
    registered = domain_events.table()
    assert registered  # the apps registered their handlers in ready()
    # Every event with handlers has its row (an event handled only through its base has one too).
    assert set(registered) - set(rows) == set()
    mismatched = {}
    for name in set(rows) | set(registered):
        doc = handler_names(rows[name])
        running = registered.get(name, [])
        if len(doc) != len(running) or not all(map(_names, doc, running)):
            mismatched[name] = (doc, running)
    assert mismatched == {}
