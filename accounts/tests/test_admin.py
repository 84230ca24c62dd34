from accounts.tests.factories import UserFactory


def test_user_changelist_filters_by_role_and_searches(admin_client, user, agent):
    UserFactory(username="zed")
    response = admin_client.get("/admin/accounts/user/?role=agent")
    assert response.status_code == 200
    assert b"agnes" in response.content
    assert b"zed" not in response.content
    response = admin_client.get("/admin/accounts/user/?q=alice@example.com")
    assert b"alice" in response.content
    assert b"agnes" not in response.content


def test_user_change_view(admin_client, user):
    assert admin_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
