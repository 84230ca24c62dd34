import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from notifications.models import Code, Notification


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_check(client, db):
    for method in ("get", "post"):
        response = getattr(APIClient(), method)("/api/check")
        assert response.status_code == 200, response.json()
        assert response.json() == {"health": "ok"}


def test_login_returns_tokens_and_no_password(user):
    response = APIClient().post(
        "/api/login", {"username": "alice", "password": "correct-horse-9"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"id", "username", "name", "timestamp", "token", "refresh_token"}
    assert data["id"] == user.pk
    assert "password" not in response.content.decode()
    assert user.password not in response.content.decode()
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert me.get("/api/users").status_code == 200
    refreshed = APIClient().post(
        "/api/token/refresh", {"refresh_token": data["refresh_token"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"token", "refresh_token"}  # rotated


def test_login_by_email(user):
    response = APIClient().post(
        "/api/login",
        {"username": "alice@example.com", "password": "correct-horse-9"},
        format="json",
    )
    assert response.status_code == 200


def test_wrong_password_and_failed_login_limit(user):
    client = APIClient()
    for _ in range(5):
        response = client.post(
            "/api/login", {"username": "alice", "password": "nope"}, format="json"
        )
        assert response.status_code == 401
        assert response.json() == {
            "code": 401,
            "subcode": 4003,
            "error": "Invalid Username Or Password",
        }
    blocked = client.post(
        "/api/login", {"username": "alice", "password": "correct-horse-9"}, format="json"
    )
    assert blocked.status_code == 429
    assert blocked.json()["subcode"] == 4008


def test_api_failures_count_per_ipv6_64_and_per_name_across_addresses(user, settings):
    def log_in(address: str, password: str, login: str = "alice"):
        return APIClient(REMOTE_ADDR=address).post(
            "/api/login", {"username": login, "password": password}, format="json"
        )

    for host in range(1, 6):
        assert log_in(f"2001:db8:1:2::{host}", "nope").status_code == 401
    assert log_in("2001:db8:1:2:ffff::99", "correct-horse-9").status_code == 429
    assert log_in("2001:db8:1:3::1", "correct-horse-9").status_code == 200

    settings.UCHAT_LOGIN_FAILED_PER_NAME = 8  # five above, three more from anywhere
    for host in range(3):
        login = "alice@example.com" if host else "alice"
        assert log_in(f"203.0.113.{host + 1}", "nope", login).status_code == 401
    paused = log_in("198.51.100.7", "correct-horse-9")
    assert paused.status_code == 429
    assert paused.json()["subcode"] == 4008
    assert "Code" in paused.json()["error"]


def test_unconfirmed_email_cannot_log_in(db):
    User.objects.create_user("fresh", "fresh@example.com", "correct-horse-9")
    response = APIClient().post(
        "/api/login", {"username": "fresh", "password": "correct-horse-9"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "Confirm Your E-mail Address First"


def test_missing_and_bad_tokens(db):
    response = APIClient().get("/api/users")
    assert response.status_code == 401
    assert response.json() == {
        "code": 401,
        "subcode": 4001,
        "error": "Missing Authorization Header",
    }
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer lorem-ipsum")
    response = bad.get("/api/users")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "subcode": 4002, "error": "Invalid Token"}
    refresh = APIClient().post("/api/token/refresh", {"refresh_token": "x.y.z"}, format="json")
    assert refresh.json()["subcode"] == 4002


def test_users_page_without_gap_or_duplicate(user):
    from rooms import services as rooms

    people = [UserFactory(username=f"person{i}") for i in range(7)]
    rooms.room_create(creator=user, name="Everyone", members=people)  # all visible to user
    client = bearer(user)
    seen, start = [], None
    while True:
        url = "/api/users?limit=3" + (f"&start={start}" if start else "")
        page = client.get(url).json()
        seen += [u["id"] for u in page["users"]]
        assert all(set(u) == {"id", "username", "name", "timestamp"} for u in page["users"])
        start = page["next"]
        if start is None:
            break
    assert seen == sorted(User.objects.values_list("id", flat=True))


def test_paging_from_a_json_body_on_get(user, other_user):
    from rooms import services as rooms

    rooms.room_create(creator=user, name="Pair", members=[other_user])
    client = bearer(user)
    response = client.generic("GET", "/api/users", '{"limit": 1}', content_type="application/json")
    assert len(response.json()["users"]) == 1


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=0", "limit must be from 1 to 100."),
        ("limit=101", "limit must be from 1 to 100."),
        ("limit=abc", "limit must be a whole number."),
        ("start=-1", "start must not be negative."),
    ],
)
def test_bad_paging(user, query, error):
    response = bearer(user).get(f"/api/users?{query}")
    assert response.status_code == 400
    assert response.json() == {"code": 400, "subcode": 4009, "error": error}


def test_staff_creates_users_and_is_notified(staff):
    client = bearer(staff)
    response = client.post(
        "/api/users",
        {"username": "gin.1", "password": "tonic-and-lime-9", "email": "gin@example.com"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["username"] == "gin.1"
    assert User.objects.get(username="gin.1").check_password("tonic-and-lime-9")
    notification = Notification.objects.get(user=staff)
    assert notification.code == Code.USER_CREATION
    again = client.post(
        "/api/users",
        {"username": "GIN.1", "password": "tonic-and-lime-9", "email": "g2@example.com"},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == 409
    assert again.json()["subcode"] == 4004
    assert again.json()["error"] == "Username Already Taken"


def test_weak_password_is_refused_with_a_reason(staff):
    response = bearer(staff).post(
        "/api/users",
        {"username": "weak", "password": "123", "email": "w@example.com"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["subcode"] == 4000
    assert "too short" in response.json()["error"]
    assert not User.objects.filter(username="weak").exists()


def test_only_staff_create_users(user):
    response = bearer(user).post(
        "/api/users",
        {"username": "x", "password": "tonic-and-lime-9", "email": "x@example.com"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["subcode"] == 4005


def test_errors_are_json_for_404_405_and_malformed_json(user):
    client = bearer(user)
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "subcode": 4006, "error": "Not Found"}
    response = client.delete("/api/users")
    assert response.status_code == 405
    assert response.json()["subcode"] == 4007
    response = client.post("/api/messages", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Malformed JSON"
    assert response.json()["subcode"] == 4000


def test_schema_and_docs_are_for_people_who_logged_in(client, user):
    schema = client.get("/api/schema")
    assert schema.status_code == 401
    assert schema.json() == {"code": 401, "subcode": 4001, "error": "Missing Authorization Header"}
    docs = client.get("/api/docs")
    assert docs.status_code == 302
    assert docs["Location"] == "/accounts/login/?next=/api/docs"
    assert bearer(user).get("/api/schema").status_code == 200  # a program with its token


def test_schema_and_docs_are_served_locally(client, user):
    client.force_login(user)
    schema = client.get("/api/schema")
    assert schema.status_code == 200
    assert b"/api/messages" in schema.content
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/" in docs.content
