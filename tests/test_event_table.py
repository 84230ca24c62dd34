"""docs/architecture.md's event table is the dispatcher's table (core.domain_events): every
registered event has its row, and the row names each of its handlers."""

from pathlib import Path

from core import domain_events

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def _rows() -> dict[str, str]:
    section = DOC.read_text().split("## Side effects")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `") and "(`" in line:
            name = line.split("(`", 1)[1].split("`", 1)[0]
            rows[name] = line
    return rows


def test_the_doc_lists_every_event_and_its_handlers():
    rows = _rows()
    registered = domain_events.table()
    assert registered  # the apps registered their handlers in ready()
    assert set(registered) <= set(rows)  # (an event handled only through its base has a row too)
    for name, handlers in registered.items():
        for handler in handlers:
            assert handler.rsplit(".", 1)[1] in rows[name], (name, handler)
