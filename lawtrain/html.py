"""Allow-list HTML sanitiser (nh3) and HTML-to-text conversion for imported question content.

Pure module: no Flask. Anything imported from another system (Moodle XML, QTI, GIFT ``[html]``)
passes :func:`sanitize_html` before it is stored or shown; scripts, styles, iframes, objects,
event-handler attributes and ``javascript:`` URLs never survive.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "sub", "sup", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "span", "code", "pre", "blockquote", "img",
}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt"}}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select"}
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        match = _SCHEME.match(value)
        if match is None:  # relative URL
            return value
        if match.group(1).lower() == "data" and value.strip().lower().startswith("data:image/"):
            return value
        return None
    return value


def sanitize_html(html: str) -> str:
    """Clean ``html`` down to the allow-list (tags above, ``img[src|alt]`` with data:/relative src only)."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"data"},
        strip_comments=True,
        link_rel=None,
    )


_BLOCK = {"p", "div", "li", "tr", "blockquote", "pre", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images = 0
        self._pre = 0

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            self.images += 1
        elif tag in ("td", "th"):
            if self.parts and not self.parts[-1].endswith(("\n", "\t")):
                self.parts.append("\t")
        elif tag in _BLOCK:
            self._newline()
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs) -> None:  # noqa: ANN001
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if not self._pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if data == " " and (not self.parts or self.parts[-1].endswith("\n")):
                return
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Sanitise, then reduce to plain text: block elements and ``<br>`` become line breaks."""
    extractor = _TextExtractor()
    extractor.feed(sanitize_html(html))
    extractor.close()
    raw_lines = "".join(extractor.parts).split("\n")
    lines = [re.sub(" {2,}", " ", line.replace("\xa0", " ")).strip(" ") for line in raw_lines]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def count_images(html: str) -> int:
    """How many ``<img>`` elements survive sanitising (imported stems keep text only)."""
    extractor = _TextExtractor()
    extractor.feed(sanitize_html(html))
    extractor.close()
    return extractor.images


# ------------------------------------------------------------------ Markdown (course module bodies)

MARKDOWN_TAGS = ALLOWED_TAGS | {"h2", "h3", "h4", "h5", "h6", "hr", "a", "dl", "dt", "dd", "del", "ins"}
MARKDOWN_ATTRIBUTES = {"img": {"src", "alt"}, "a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def _markdown_attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        match = _SCHEME.match(value)
        return value if match is None or match.group(1).lower() in ("http", "https", "mailto") else None
    return _attribute_filter(tag, attr, value)


def render_markdown(md: str):
    """Markdown -> sanitised HTML as Markup (headings from h2 down; links http(s)/mailto/relative only)."""
    import markdown
    from markupsafe import Markup

    html = markdown.markdown(md or "", extensions=["tables", "sane_lists"], output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(html, tags=MARKDOWN_TAGS, clean_content_tags=_DROP_WITH_CONTENT,
                        attributes=MARKDOWN_ATTRIBUTES, attribute_filter=_markdown_attribute_filter,
                        url_schemes={"http", "https", "mailto", "data"}, strip_comments=True,
                        link_rel="noopener noreferrer")
    return Markup(cleaned)  # noqa: S704 - cleaned by the allow-list above
