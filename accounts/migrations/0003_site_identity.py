"""The Site row that allauth's e-mails read ("Hello from {site name}!") gets UCHAT_SITE_NAME
and UCHAT_SITE_URL's domain instead of an empty name (issue B1: "Hello from !")."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.site import site_identity_sync

    site_identity_sync(apps.get_model("sites", "Site"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_operator_accounts_confirmed"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
