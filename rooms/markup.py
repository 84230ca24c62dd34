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


def render(text: str) -> str:
    """The message's HTML, with no newlines between blocks; "" for no text."""
    if not text:
        return ""
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
