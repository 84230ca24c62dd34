"""The seed chat server's README regression walk-through, step by step, against a live uchat
server: a client written for that server works after changing its base URL."""

import json
import time
import urllib.error
import urllib.request

import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.browser  # needs the live server; runs with the browser tests


def call(base, method, path, body=None, token=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_fifteen_steps(live_server_url, transactional_db):
    base = live_server_url + "/api"
    UserFactory(username="daikiri", password="tekila-sunrise-7", is_staff=True)

    # 1. Basic health check
    assert call(base, "POST", "/check", raw=b"") == (200, {"health": "ok"})

    # 2. Unauthorized access: no header
    message = {
        "sender": 0,
        "recipient": 1,
        "content": {"type": "video", "source": "youtube", "url": ""},
    }
    status, body = call(base, "POST", "/messages", message)
    assert (status, body["subcode"], body["error"]) == (401, 4001, "Missing Authorization Header")

    # 3. Unauthorized access: a malformed token
    status, body = call(base, "POST", "/messages", message, token="lorem-ipsum")
    assert (status, body["subcode"], body["error"]) == (401, 4002, "Invalid Token")

    # 4. Login
    status, body = call(
        base, "POST", "/login", {"username": "daikiri", "password": "tekila-sunrise-7"}
    )
    assert status == 200
    assert {"id", "timestamp", "username", "token", "refresh_token"} <= set(body)
    assert "password" not in body
    token = body["token"]

    # 5. User creation, then the same again: a conflict
    new_username = f"gin.{int(time.time())}"
    new_user = {
        "username": new_username,
        "password": "tonic-water-42",
        "email": f"{new_username}@example.com",
    }
    status, body = call(base, "POST", "/users", new_user, token=token)
    assert status == 201
    assert body["username"] == new_username
    status, body = call(
        base, "POST", "/users", {**new_user, "email": "other@example.com"}, token=token
    )
    assert (status, body) == (
        409,
        {"code": 409, "subcode": 4004, "error": "Username Already Taken"},
    )

    # 6. Notifications: the user creation is reported
    status, body = call(base, "GET", "/notifications", {"limit": 2}, token=token)
    assert status == 200
    assert body["notifications"][0]["title"] == "User Creation"
    assert body["notifications"][0]["code"] == 10099
    assert body["notifications"][0]["message"]["username"] == new_username

    # 7. List existing users (limit in a JSON body on GET, as the original clients send it)
    status, body = call(base, "GET", "/users", {"limit": 2}, token=token)
    assert status == 200
    assert [u["username"] for u in body["users"]] == ["daikiri", new_username]
    assert all("password" not in u for u in body["users"])
    user1, user2 = body["users"][0]["id"], body["users"][1]["id"]

    # 8-10. Image, video and text messages from user1 (the token's user) to user2
    sent = []
    for content in (
        {"type": "image", "height": 100, "width": 100, "url": "https://example.org/a.png"},
        {
            "type": "video",
            "source": "youtube",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
        {"type": "text", "text": "Lorem Ipsum Dolor Sit Amet"},
    ):
        status, reply = call(
            base, "POST", "/messages", {"recipient_id": user2, "content": content}, token=token
        )
        assert status == 201, reply
        assert (reply["sender"], reply["recipient"]) == (user1, user2)
        assert reply["content"]["type"] == content["type"]
        sent.append(reply["id"])

    # 11. The recipient's notifications
    status, login = call(
        base, "POST", "/login", {"username": new_username, "password": "tonic-water-42"}
    )
    assert status == 200
    status, body = call(base, "GET", "/notifications", {"limit": 3}, token=login["token"])
    assert [n["title"] for n in body["notifications"]] == ["New Message"] * 3
    assert body["notifications"][0]["message"]["content"]["text"] == "Lorem Ipsum Dolor Sit Amet"

    # 12-13. A text message with an error: refused with a reason, nothing stored
    status, body = call(
        base, "POST", "/messages", {"recipient_id": user2, "content": {"type": "text"}}, token=token
    )
    assert (status, body["subcode"], body["error"]) == (400, 4010, "Invalid Text")

    # 14. Listing messages: newest first
    query = {"sender_id": user1, "recipient_id": user2, "limit": 3}
    status, body = call(base, "GET", "/messages", query, token=token)
    assert status == 200
    assert [m["id"] for m in body["messages"]] == sent[::-1]

    # 15. Pagination: start from the last id seen; strictly older, no gap, no duplicate
    _, first = call(base, "GET", "/messages", {**query, "limit": 2}, token=token)
    start = first["messages"][-1]["id"]
    _, second = call(base, "GET", "/messages", {**query, "limit": 2, "start": start}, token=token)
    ids = [m["id"] for m in first["messages"]] + [m["id"] for m in second["messages"]]
    assert ids == sent[::-1]
    assert first["next"] == start
    assert second["next"] is None
