"""A small HTML reader for the crawler: the admin links and forms on a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class FormField:
    name: str
    kind: str
    value: str
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    action: str
    method: str
    multipart: bool
    fields: list[FormField] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class PageReader(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: set[str] = set()
        self.forms: list[PageForm] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def _local(self, href: str) -> str | None:
        target = urlsplit(urljoin(self.url, href))
        if target.netloc not in ("", "testserver") or not target.path.startswith("/admin"):
            return None
        return target.path + (f"?{target.query}" if target.query else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            local = self._local(a["href"])
            if local:
                self.links.add(local)
        elif tag == "form":
            action = self._local(a.get("action") or self.url) or urlsplit(self.url).path
            multipart = a.get("enctype", "") == "multipart/form-data"
            self.forms.append(PageForm(action, a.get("method", "get").upper(), multipart))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button"):
                self.forms[-1].buttons.append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1].fields.append(FormField(a["name"], kind, ""))
            else:
                self.forms[-1].fields.append(FormField(a["name"], kind, a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = FormField(a["name"], "select", "")
            self.forms[-1].fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a or not self._select.value:
                self._select.value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = FormField(a["name"], "textarea", "")
            self.forms[-1].fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def read(url: str, html: str) -> PageReader:
    reader = PageReader(url)
    reader.feed(html)
    return reader
