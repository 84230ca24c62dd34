from typing import Any

from django import forms

from tickets.models import BusinessHours, Category, Ticket
from widget.models import Widget


class WidgetForm(forms.Form):
    """The desk settings page's form (a widget's every setting: docs/widget.md)."""

    name = forms.CharField(max_length=80)
    origins = forms.CharField(
        label="Allowed websites",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
        help_text="One origin per line (scheme, host and port, like https://www.example.com). "
        "Only pages of these websites may show the chat.",
    )
    greeting = forms.CharField(max_length=300, initial="Hi! How can we help?")
    color = forms.CharField(
        label="Colour",
        max_length=7,
        initial="#4a154b",
        widget=forms.TextInput({"type": "color", "class": "form-control-color"}),
    )
    category = forms.ModelChoiceField(
        Category.objects.filter(is_active=True), required=False, help_text="For new chats."
    )
    priority = forms.ChoiceField(
        choices=[c for c in Ticket.Priority.choices if c[0] != Ticket.Priority.URGENT],
        initial=Ticket.Priority.NORMAL,
        help_text="For new chats.",
    )
    calendar = forms.ModelChoiceField(
        BusinessHours.objects.all(),
        required=False,
        label="Business hours",
        empty_label="The desk's",
        help_text="Outside these hours the chat says when the team is back.",
    )
    pre_chat_form = forms.BooleanField(
        label="Ask the visitor's name and e-mail address first", required=False, initial=True
    )
    is_active = forms.BooleanField(label="On", required=False, initial=True)

    @classmethod
    def for_widget(cls, widget: Widget, data: Any = None) -> "WidgetForm":
        initial = {name: getattr(widget, name) for name in cls.base_fields if name != "origins"}
        initial["origins"] = "\n".join(widget.origins)
        return cls(data, initial=initial)

    def fields_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["origins"] = data["origins"].split()
        return data
