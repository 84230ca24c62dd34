import pytest

from accounts import services
from accounts.domain_events import PersonDeleted
from core import domain_events


@pytest.mark.django_db(transaction=True)
def test_a_deletion_is_recorded_after_it_commits(user, monkeypatch):
    heard: list[PersonDeleted] = []
    monkeypatch.setitem(domain_events._table, PersonDeleted, [])
    domain_events.on(PersonDeleted, heard.append)
    user_id = user.pk
    services.user_delete(user=user)
    assert heard == [PersonDeleted(user_id=user_id, username="alice")]
