"""Accounts already in a room or a direct conversation (and staff and agents) are on the team
(accounts.User.team_member): the room directory shows them what it showed before the flag."""

from django.db import migrations
from django.db.models import Q


def vouch(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("rooms", "Membership")
    talking = Membership.objects.filter(conversation__kind__in=["room", "direct"]).values("user_id")
    User.objects.filter(
        Q(is_staff=True) | Q(is_agent=True) | Q(pk__in=talking), is_guest=False, is_bot=False
    ).update(team_member=True)


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0016_invites"),
        ("accounts", "0010_team_member"),
    ]

    operations = [migrations.RunPython(vouch, migrations.RunPython.noop)]
