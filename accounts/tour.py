"""The guided tour a person gets on their first log-in, fitted to their role.

Each step points at an element of the dashboard by its ``data-tour`` name, or at nothing
(a step about a page the person has not opened yet). static/js/tour.js shows them.
"""

from typing import TypedDict

from accounts.models import Role, User


class Step(TypedDict):
    target: str  # a data-tour name on the dashboard, or "" for a step in the middle
    title: str
    text: str


_CHAT: list[Step] = [
    {
        "target": "rooms",
        "title": "Your rooms",
        "text": "Rooms you are in, with unread counts. Create one and add people to talk "
        "with a group in real time.",
    },
    {
        "target": "directs",
        "title": "Direct messages",
        "text": "Type a username and press “Message someone” for a one-to-one conversation.",
    },
    {
        "target": "notifications",
        "title": "Notifications",
        "text": "What happened while you were away: the badge counts what you have not read.",
    },
]
_CUSTOMER: list[Step] = [
    {
        "target": "raise-ticket",
        "title": "Need help?",
        "text": "Raise a ticket: say what is wrong, and an agent is given to you.",
    },
    {
        "target": "tickets",
        "title": "Follow your tickets",
        "text": "Each ticket shows its status and agent. Open it to chat with the agent live, "
        "and rate the help once it is resolved.",
    },
]
_AGENT: list[Step] = [
    {
        "target": "inbox",
        "title": "Your inbox",
        "text": "Your tickets and the unassigned ones, what is due first on top, live: the "
        "conversation in the middle and the customer on the right.",
    },
    {
        "target": "tickets",
        "title": "Your queue",
        "text": "The tickets assigned to you. Open one to talk with the customer live.",
    },
    {
        "target": "",
        "title": "Notes and canned replies",
        "text": "On a ticket, “Add note” writes an internal note the customer never sees, and "
        "canned replies put a prepared answer in the box. Set the status as you go.",
    },
]
_ADMIN: list[Step] = [
    {
        "target": "tickets",
        "title": "Open tickets",
        "text": "Every open ticket. On a ticket page, assign it to an agent (or let "
        "auto-assignment pick the least busy one).",
    },
    {
        "target": "all-tickets",
        "title": "Agents and assignment",
        "text": "“All tickets” lists the desk; from there you add agents and assign work.",
    },
    {
        "target": "reports",
        "title": "Reports",
        "text": "Workload and satisfaction figures per agent, and the admin site for the rest.",
    },
]


def tour_steps(user: User) -> list[Step]:
    """The steps for this person's role: chat for everyone, then their desk part."""
    desk = {Role.CUSTOMER: _CUSTOMER, Role.AGENT: _AGENT, Role.ADMIN: _ADMIN}[user.role]
    return [*_CHAT, *desk]
