from typing import Any

from django import forms

from accounts.models import User
from tickets.models import TEXT_MAX_LENGTH, Category, Label, PlatformFeedback, Ticket
from tickets.services.availability import agents_with_load


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > 5:
            raise forms.ValidationError("Attach at most 5 images.")
        return [super(ImagesField, self).clean(f, initial) for f in files]


class TicketOpenForm(forms.Form):
    subject = forms.CharField(max_length=150)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX_LENGTH
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True), required=False
    )
    priority = forms.ChoiceField(choices=Ticket.Priority.choices, initial=Ticket.Priority.NORMAL)
    images = ImagesField(help_text="Optional: up to 5 images (JPEG, PNG, GIF, WebP).")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is None or not user.is_staff:  # urgent is the support team's call
            priority = self.fields["priority"]
            assert isinstance(priority, forms.ChoiceField)
            priority.choices = [
                c for c in Ticket.Priority.choices if c[0] != Ticket.Priority.URGENT
            ]

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if len(text) < 10:
            raise forms.ValidationError(
                "Describe the problem in a few words (at least 10 characters)."
            )
        return text


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices)


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=User.objects.filter(is_agent=True, is_active=True).order_by("username"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each agent with their availability and open load: "Amy (away, 2 open)".
        field = self.fields["agent"]
        assert isinstance(field, forms.ModelChoiceField)
        loads: dict[int, tuple[str, int]] = {}

        def label(user: User) -> str:
            if not loads:
                loads.update({u.pk: (a, n) for u, a, n in agents_with_load()})
            availability, count = loads.get(user.pk, ("online", 0))
            return f"{user.name} ({availability}, {count} open)"

        field.label_from_instance = label  # type: ignore[assignment]


class NoteForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX_LENGTH, label="Internal note"
    )


RATING_LABELS = {1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent"}


class FeedbackForm(forms.Form):
    # Stars with words: a radio group, so keyboards and screen readers work as usual.
    rating = forms.TypedChoiceField(
        choices=[(n, f"{'★' * n}{'☆' * (5 - n)} {n} – {RATING_LABELS[n]}") for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "rating-choice"}),
        label="Your rating",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class AgentCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    display_name = forms.CharField(
        max_length=80, required=False, label="Name", help_text="How customers see the agent."
    )
    email = forms.EmailField()
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(is_active=True), required=False
    )
    capacity = forms.IntegerField(min_value=1, max_value=100, initial=5)


INBOX_VIEW_LABELS = [("mine", "Mine"), ("unassigned", "Unassigned"), ("all", "All")]


class InboxFilterForm(forms.Form):
    """The inbox's filters (GET). Unknown values are ignored, not an error page."""

    view = forms.ChoiceField(choices=INBOX_VIEW_LABELS, required=False)
    status = forms.ChoiceField(choices=[("", "Open (any)"), *Ticket.Status.choices], required=False)
    priority = forms.ChoiceField(
        choices=[("", "Any priority"), *Ticket.Priority.choices], required=False
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True), required=False, empty_label="Any category"
    )
    label = forms.ModelChoiceField(
        queryset=Label.objects.all(), required=False, empty_label="Any label",
        to_field_name="name",
    )  # fmt: skip

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # compact selects that fit the inbox's column
            field.widget.attrs["class"] = "form-select form-select-sm"
        view = self.fields["view"]
        if not user.is_staff and isinstance(view, forms.ChoiceField):
            view.choices = INBOX_VIEW_LABELS[:2]


class PlatformFeedbackForm(forms.Form):
    topic = forms.ChoiceField(choices=PlatformFeedback.Topic.choices, label="What is it about?")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX_LENGTH,
        label="Your feedback",
        help_text="Only the admins read it.",
    )
