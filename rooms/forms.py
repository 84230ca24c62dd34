import re
from typing import Any

from django import forms

from accounts import selectors as account_selectors
from accounts.models import User
from rooms.models import Visibility

_SPLIT = re.compile(r"[\s,;]+")


def parse_usernames(value: str) -> list[str]:
    return [name.lstrip("@") for name in _SPLIT.split(value or "") if name.strip("@")]


class UsernamesField(forms.CharField):
    """Usernames separated by commas or spaces. Cleans to a list of User; every unknown name
    is listed in one error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "data-user-suggest": "1"})
        )
        super().__init__(**kwargs)

    def clean(self, value: str) -> list[User]:
        value = super().clean(value)
        users, unknown = account_selectors.users_by_usernames(usernames=parse_usernames(value))
        if unknown:
            raise forms.ValidationError(
                "No such user: %(names)s.",
                code="unknown_users",
                params={"names": ", ".join(unknown)},
            )
        return users


VISIBILITY_CHOICES = [
    (Visibility.PUBLIC.value, "Public: anyone in the team can find and join it"),
    (Visibility.PRIVATE.value, "Private: only people added or invited"),
]


class VisibilityFields(forms.Form):
    """Who may find the room; only staff see (and set) "open to customers"."""

    visibility = forms.ChoiceField(
        choices=VISIBILITY_CHOICES,
        initial=Visibility.PRIVATE.value,
        widget=forms.RadioSelect,
        required=False,
    )
    # What a post without a choice means: private for a new room; as it was for an edit.
    visibility_default: str | None = Visibility.PRIVATE
    open_to_customers = forms.BooleanField(
        required=False,
        label="Customers can see it too",
        help_text=(
            "Customers who are in no room or direct conversation find it in the directory "
            "too (public rooms only)."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_staff:
            del self.fields["open_to_customers"]

    def clean_visibility(self) -> str | None:
        return self.cleaned_data.get("visibility") or self.visibility_default


class RoomCreateForm(VisibilityFields):
    name = forms.CharField(max_length=80)
    topic = forms.CharField(max_length=250, required=False)
    members = UsernamesField(help_text="Usernames, separated by commas. You are added as admin.")
    field_order = ["name", "topic", "visibility", "open_to_customers", "members"]


class RoomEditForm(VisibilityFields):
    name = forms.CharField(max_length=80)
    topic = forms.CharField(max_length=250, required=False)
    members = UsernamesField(help_text="Everyone in the room, separated by commas.")
    admins = UsernamesField(help_text="Room admins (they must be members). At least one.")
    visibility_default = None
    field_order = ["name", "topic", "visibility", "open_to_customers", "members", "admins"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        members = {u.pk for u in data.get("members") or []}
        outsiders = [u.username for u in data.get("admins") or [] if u.pk not in members]
        if outsiders:
            self.add_error("admins", f"Admins must be members: {', '.join(outsiders)}.")
        return data
