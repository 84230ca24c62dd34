"""Markdown in messages: the safe subset, rendered once on the server, in every door's
message object as ``html`` (with ``body`` raw); hostile input comes out inert."""

import random
from html.parser import HTMLParser

import pytest

from rooms import markup, services
from rooms.markup import render


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**bold** _it_ `x`", "<p><strong>bold</strong> <em>it</em> <code>x</code></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ("> said", "<blockquote><p>said</p></blockquote>"),
        ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>"),
        # No newline between blocks (a page keeping white space showed them as blank lines);
        # a code block keeps its own lines, blank ones too.
        (
            "text\n- a\n- b\n\n```\n\nx\n\ny\n```\nafter",
            "<p>text</p><ul><li>a</li><li>b</li></ul><pre><code>\nx\n\ny</code></pre><p>after</p>",
        ),
        (
            "see https://example.com/a?b=1.",
            '<p>see <a href="https://example.com/a?b=1" rel="noopener nofollow ugc">'
            "https://example.com/a?b=1</a>.</p>",
        ),
        ("# not a heading", "<p># not a heading</p>"),
        ("", ""),
    ],
)
def test_the_safe_subset(text, html):
    assert render(text) == html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<a href='javascript:alert(1)'>x</a>",
        "![i](https://evil.example/t.png)",
        "<iframe src=https://evil.example></iframe>",
        '[x](https://e.example "a" onmouseover="alert(1)")',
    ],
)
def test_hostile_markdown_renders_inert(hostile):
    class Elements(HTMLParser):
        found: list[tuple[str, list[tuple[str, str | None]]]] = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, attrs))

    parser = Elements()
    parser.found = []
    parser.feed(render(hostile))
    for tag, attrs in parser.found:
        assert tag in {"p", "a", "br"}, tag
        for name, value in attrs:
            assert not name.startswith("on")
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:"))


def test_every_link_gets_rel():
    html = render("[a](https://a.example) and https://b.example and <https://c.example>")
    assert html.count('rel="noopener nofollow ugc"') == 3


def test_messages_carry_html_and_raw_body(user, auth_client):
    room = services.room_create(creator=user, name="Markdown")
    message, _ = services.message_create(conversation=room, sender=user, body="**hi** there")
    assert message.html == "<p><strong>hi</strong> there</p>"
    page = auth_client.get(f"/conversations/{room.pk}/messages/").json()
    [item] = [m for m in page["messages"] if m["id"] == message.pk]
    assert (item["body"], item["html"]) == ("**hi** there", "<p><strong>hi</strong> there</p>")
    services.message_edit(conversation=room, message_id=message.pk, editor=user, body="_now_")
    message.refresh_from_db()
    assert message.html == "<p><em>now</em></p>"
    services.message_delete(conversation=room, message_id=message.pk, actor=user)
    message.refresh_from_db()
    assert (message.body, message.html) == ("", "")


def test_the_api_carries_html(user, other_user, client):
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(user).access_token)
    response = client.post(
        "/api/messages",
        {"recipient_id": other_user.pk, "content": {"type": "text", "text": "`code` *em*"}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["html"] == "<p><code>code</code> <em>em</em></p>"
    assert response.json()["content"]["text"] == "`code` *em*"


def test_plain_lines_skip_the_parser_and_render_the_same():
    alphabet = "abcXYZ019 ,?!'.:éßж日本٣²_*-"
    rng = random.Random(31)  # noqa: S311 - a test corpus, not a secret
    plain = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        if markup._PLAIN.fullmatch(text):
            plain += 1
            assert markup.render(text) == markup._render_parsed(text), text
    assert plain > 2000  # the alphabet reaches the fast path often
    for text in ("1. first", "- item", "www.example.com", "a_b_", "x  y", " lead", "e.g. so"):
        assert not markup._PLAIN.fullmatch(text), text
    assert markup.render("Fine, thanks. You?") == "<p>Fine, thanks. You?</p>"
