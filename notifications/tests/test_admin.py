from rooms import services


def test_notification_changelist(
    admin_client, user, other_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # notifications follow the commit
        services.room_create(creator=user, name="Noticed", members=[other_user])
    response = admin_client.get("/admin/notifications/notification/?q=bob")
    assert response.status_code == 200
    assert b"Added to Noticed" in response.content
