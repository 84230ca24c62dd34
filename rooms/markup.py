"""Message text as HTML: a safe subset of markdown, rendered once when a message is stored
(or edited) and kept on the row (``Message.html``). Pages, sockets and the API all carry the
same HTML; ``body`` stays the raw text for API clients.

The subset: emphasis, strikethrough, inline code and code blocks, links (typed or found in the
text), lists and quotes; line breaks kept. No raw HTML, no images (an image is an upload or
a link), no headings or tables. The result is sanitised again by Ammonia (nh3) with an
allow-list: whatever the parser let through, only these tags and attributes reach a browser,
links only to http(s) and mailto, with rel="noopener nofollow ugc".
"""

import re

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "p", "br", "em", "strong", "s", "del", "code", "pre", "a", "ul", "ol", "li", "blockquote",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}}


class _Markdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """Links, autolinks and linkify: web and mail addresses only."""
        return url.strip().lower().startswith(("http://", "https://", "mailto:"))


_parser = (
    _Markdown("commonmark", {"html": False, "linkify": True, "breaks": True, "typographer": False})
    .enable(["linkify", "strikethrough"])
    .disable(["image", "heading", "lheading", "hr", "html_block", "html_inline", "reference"])
)


# Newlines the parser puts between blocks: shown as blank lines by a page that keeps the text's
# white space. Text never holds a bare ">" (it is escaped), so ">\n<" is always between two
# tags; a code block's last newline is dropped too. A line break keeps its newline ("<br>\n":
# the text reads the same as plain text).
_BETWEEN_TAGS = re.compile(r"(?<=>)(?<!<br>)\n+(?=<)|\n+(?=</code></pre>)")


def _tight(html: str) -> str:
    return _BETWEEN_TAGS.sub("", html)


ME_PREFIX = "/me "


def me_action(text: str) -> str | None:
    """The action of a "/me waves" message ("waves"), or None for any other text."""
    if text.startswith(ME_PREFIX) and text[len(ME_PREFIX) :].strip():
        return text[len(ME_PREFIX) :].strip()
    return None


def render(text: str) -> str:
    """The message's HTML, with no newlines between blocks; "" for no text. A "/me waves"
    message is an action: the rest, in one ``<p class="me-action">`` (pages put the sender's
    name before it, in italics)."""
    if not text:
        return ""
    action = me_action(text)
    if action is not None:
        inner = _render(action)
        # Built here, after the sanitiser: the only attribute on a <p> is this fixed class.
        if inner.startswith("<p>") and inner.endswith("</p>") and inner.count("<p>") == 1:
            return '<p class="me-action">' + inner[3:]
        return '<p class="me-action"></p>' + inner
    return _render(text)


# Text that Markdown, linkify and the sanitiser all leave as it is: one line of letters and
# digits (any script), spaces, ",?!'", and full stops followed by a space or the end (no
# domain, no ordered list: it may not start with a digit); no leading, trailing or double
# spaces. Its HTML is the paragraph around it, without running the parser (most chat lines;
# rooms/tests/test_markup.py checks the two agree on such text).
_PLAIN = re.compile(r"(?![\d ])(?:[^\W_]|[,?!']| (?! )|\.(?= |$))+(?<! )")


def _render(text: str) -> str:
    if _PLAIN.fullmatch(text):
        return f"<p>{text}</p>"
    return _render_parsed(text)


def _render_parsed(text: str) -> str:
    html = _parser.render(text)
    return _tight(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow ugc",
            strip_comments=True,
        ).strip()
    )
