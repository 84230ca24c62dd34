"""Incoming webhooks' bots lose their owner (integrations.services.incoming makes them
ownerless now), and the API tokens their makers minted for them end."""

from django.db import migrations


def forwards(apps, schema_editor):
    IncomingWebhook = apps.get_model("integrations", "IncomingWebhook")
    User = apps.get_model("accounts", "User")
    ApiToken = apps.get_model("accounts", "ApiToken")
    bots = IncomingWebhook.objects.values("bot_id")
    ApiToken.objects.filter(user_id__in=bots).delete()
    User.objects.filter(pk__in=bots, is_bot=True).update(bot_owner=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_api_tokens"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
