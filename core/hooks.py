"""The one way an app registers a hook in a lower app's registry (a list kept by that app):
once, however often AppConfig.ready() runs."""

from typing import TypeVar

H = TypeVar("H")


def register(hooks: list[H], hook: H) -> H:
    if hook not in hooks:
        hooks.append(hook)
    return hook
