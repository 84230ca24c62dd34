from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rooms import services
from rooms.models import Message


def test_purge_is_a_dry_run_unless_for_real(user, capsys):
    room = services.room_create(creator=user, name="Old")
    message, _ = services.message_create(conversation=room, sender=user, body="ancient")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=800))
    cutoff = (timezone.now() - timedelta(days=365)).date().isoformat()
    call_command("purge_messages", "--before", cutoff, "--room", str(room.pk))
    assert "Would delete 1 messages" in capsys.readouterr().out
    assert Message.objects.count() == 1
    call_command("purge_messages", "--before", cutoff, "--for-real")
    assert "Deleted 1 messages" in capsys.readouterr().out
    assert Message.objects.count() == 0


def test_purge_refuses_bad_arguments(db):
    with pytest.raises(CommandError, match="must be a date"):
        call_command("purge_messages", "--before", "last tuesday")
    with pytest.raises(CommandError, match="no conversation with id"):
        call_command("purge_messages", "--before", "2020-01-01", "--room", "424242")
