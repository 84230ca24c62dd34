from rooms import services


def test_notification_changelist(
    admin_client, user, other_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # notifications follow the commit
        services.room_create(creator=user, name="Noticed", members=[other_user])
    response = admin_client.get("/admin/notifications/notification/?q=bob")
    assert response.status_code == 200
    assert b"Added to Noticed" in response.content


def test_push_subscriptions_are_listed_by_service_without_their_keys(admin_client, user):
    from notifications.models import PushSubscription

    subscription = PushSubscription.objects.create(
        user=user, endpoint="https://fcm.googleapis.com/fcm/send/k1", p256dh="P" * 87, auth="A" * 22
    )
    listing = admin_client.get("/admin/notifications/pushsubscription/?q=alice")
    assert b"fcm.googleapis.com" in listing.content
    page = admin_client.get(f"/admin/notifications/pushsubscription/{subscription.pk}/change/")
    assert page.status_code == 200
    assert b"P" * 87 not in page.content
