"""Article references made links: 《安全生产法》第七十二条 -> its place in the law library, and the module that
teaches it. One index of laws and module citations per request (flask.g)."""

from __future__ import annotations

import re

from flask import g, url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from lawtrain.courses.lawtext import short_name_of
from lawtrain.courses.models import CourseModule, Law, ModuleArticle
from lawtrain.courses.numerals import cn_to_int
from lawtrain.extensions import db

# 《法律》第七十二条 / 第72条; the law's name is optional (then the text's own law is meant).
ARTICLE_REF = re.compile(r"(?:《([^》\n]{1,40})》\s*)?第([零〇一二两三四五六七八九十百千]{1,8}|\d{1,4})条")
_TAG = re.compile(r"(<[^>]+>)")


def _index() -> tuple[dict[str, int], dict[tuple[str, int], tuple[int, str]]]:
    if "_article_links" not in g:
        laws = {}
        for law_id, name, short in db.session.execute(select(Law.id, Law.name, Law.short_name)):
            laws[name], laws[short] = law_id, law_id
        modules: dict[tuple[str, int], tuple[int, str]] = {}
        rows = db.session.execute(
            select(ModuleArticle.law_name, ModuleArticle.article_no, CourseModule.id, CourseModule.title)
            .join(CourseModule, CourseModule.id == ModuleArticle.module_id)
            .order_by(CourseModule.sort_order, CourseModule.id))
        for law, number, module_id, title in rows:
            modules.setdefault((law, number), (module_id, title))
        g._article_links = (laws, modules)
    return g._article_links


def article_url(law: str | None, number: object) -> str | None:
    """The article's anchor on its law's page in the library, or None when the law is not imported."""
    law_id = _index()[0].get(short_name_of(law or ""))
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    return url_for("courses.law", law_id=law_id, _anchor=f"a{number}") if law_id else None


def module_for(law: str | None, number: object) -> tuple[int, str] | None:
    """(id, title) of the first module citing the article, if any."""
    try:
        return _index()[1].get((short_name_of(law or ""), int(number)))
    except (TypeError, ValueError):
        return None


def _linked(match: re.Match, default_law: str | None) -> str:
    law = match.group(1) or default_law
    try:
        number = cn_to_int(match.group(2))
    except ValueError:
        return str(escape(match.group(0)))
    url = article_url(law, number)
    if url is None:
        return str(escape(match.group(0)))
    return f'<a href="{escape(url)}">{escape(match.group(0))}</a>'


def link_articles(text: str | None, default_law: str | None = None) -> Markup:
    """Plain text (an explanation) with every article reference a link; everything else escaped."""
    text = text or ""
    out, last = [], 0
    for m in ARTICLE_REF.finditer(text):
        out += [str(escape(text[last:m.start()])), _linked(m, default_law)]
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def link_articles_html(html: Markup | str, default_law: str | None = None) -> Markup:
    """Sanitised HTML (a module's body) with article references linked in its text, never inside a link."""
    parts, in_link = [], False
    for piece in _TAG.split(str(html)):
        if piece.startswith("<"):
            lowered = piece.lower()
            in_link = True if lowered.startswith("<a ") or lowered == "<a>" else in_link and lowered != "</a>"
            parts.append(piece)
        elif in_link or "条" not in piece:
            parts.append(piece)
        else:
            parts.append(_link_escaped(piece, default_law))
    return Markup("".join(parts))


def _link_escaped(text: str, default_law: str | None) -> str:
    """Link references in already-escaped HTML text (the names hold no HTML-special characters)."""
    return ARTICLE_REF.sub(lambda m: _linked_raw(m, default_law), text)


def _linked_raw(match: re.Match, default_law: str | None) -> str:
    try:
        url = article_url(match.group(1) or default_law, cn_to_int(match.group(2)))
    except ValueError:
        url = None
    return f'<a href="{escape(url)}">{match.group(0)}</a>' if url else match.group(0)


def highlight(text: str | None, term: str | None) -> Markup:
    """Text with every occurrence of the searched term marked (<mark class="hit">), everything escaped."""
    text, term = text or "", (term or "").strip()
    if not term:
        return Markup(escape(text))
    pieces = re.split(f"({re.escape(term)})", text, flags=re.IGNORECASE)
    return Markup("".join(f'<mark class="hit">{escape(p)}</mark>' if i % 2 else str(escape(p))
                          for i, p in enumerate(pieces)))
