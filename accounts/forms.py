from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError

from accounts import names
from accounts.models import User
from accounts.notification_settings import time_zones

NAME_MAX = 75


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the person's first and last name (shown as their name until
    they choose a display name). allauth's save_user stores both."""

    first_name = forms.CharField(max_length=NAME_MAX, label="First name")
    last_name = forms.CharField(max_length=NAME_MAX, label="Last name", required=False)
    field_order = [
        "first_name",
        "last_name",
        "username",
        "email",
        "phone",
        "password1",
        "password2",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An e-mail address, a mobile number, or both: whichever is given is verified (a link,
        # a texted code) before the first log-in.
        self.fields["email"].required = False
        self.fields["email"].label = "E-mail address"
        self.fields["email"].widget.is_required = False
        self.fields["phone"].required = False
        self.fields["phone"].label = "Mobile number"
        self.fields["email"].help_text = "An e-mail address or a mobile number, or both."

    def clean_email(self) -> str:
        if not self.cleaned_data.get("email"):
            return ""
        return super().clean_email()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.has_error("phone"):
            self.add_error(
                "email", "Give an e-mail address or a mobile number: we send it a code or link."
            )
        try:
            first, last = names.person_names_clean(
                cleaned.get("first_name", ""), cleaned.get("last_name", ""), user=User()
            )
        except ValidationError as exc:
            self.add_error("first_name", exc)
        else:
            cleaned["first_name"], cleaned["last_name"] = first, last
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "display_name"]
        help_texts = {
            "display_name": "The name other people see. Leave empty to show your first and "
            "last name (or, without them, your username)."
        }


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=(
            "Type your password to confirm. Your messages stay, shown as from “deleted user”."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password


class NotificationSettingsForm(forms.Form):
    """The profile page's notification settings (accounts.notification_settings)."""

    PAUSES = [
        ("", "Leave as it is"),
        ("off", "Off"),
        ("3600", "For 1 hour"),
        ("28800", "For 8 hours"),
        ("morning", "Until tomorrow morning (08:00)"),
    ]
    pause = forms.ChoiceField(choices=PAUSES, required=False, label="Do not disturb")
    quiet_start = forms.TimeField(
        required=False,
        label="Quiet hours from",
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        required=False,
        label="to",
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        help_text="Every day, on your clock: notifications are kept silently (no pop-up, "
        "e-mail or push). Leave both empty for none; 22:00 to 07:00 spans midnight.",
    )
    time_zone = forms.ChoiceField(label="Time zone")
    email = forms.BooleanField(required=False, label="E-mail me about what I missed while away")
    push = forms.BooleanField(required=False, label="Push notifications to my devices")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = [(z, z.replace("_", " ")) for z in sorted(time_zones())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise ValidationError("Give both ends of the quiet hours, or neither.")
        return data
