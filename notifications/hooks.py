"""What notifications asks of the apps above it: who is online right now (the engine knows,
from open sockets, and registers its answer in RoomsConfig.ready()). Online people get the
live badge only; offline people also get an e-mail."""

from typing import Protocol

from core.hooks import register


class OnlineCheck(Protocol):
    def __call__(self, *, user_ids: list[int]) -> set[int]: ...


online_checks: list[OnlineCheck] = []


def on_online_check(check: OnlineCheck) -> OnlineCheck:
    return register(online_checks, check)


def online_user_ids(*, user_ids: list[int]) -> set[int]:
    online: set[int] = set()
    for check in online_checks:
        online |= check(user_ids=user_ids)
    return online
