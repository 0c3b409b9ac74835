"""The markup layer of the DCC writers: namespaces, escaping, indentation, and a buffered text writer.

The documents used to go through `lxml.etree.xmlfile`, one Python context manager per element. The writers now
write the markup themselves into a buffered file, byte for byte what `xmlfile` wrote (the same declaration, the
same escaping, `<a></a>` for an empty element), so a leaf (`<value>12.3</value>`) is one string, not two calls
into lxml. `tests/dcc/test_writer_bytes.py` pins the bytes against files written by the lxml writer. Like lxml,
a string holding a control character (not XML) raises ValueError instead of producing a broken document.
"""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from os import PathLike

SPECIMEN_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/specimen"
PROCEDURE_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/procedure"

#: Rows fetched per round trip: bounds memory, and queries grow by one or two per chunk only.
CHUNK_SIZE = 500

INDENT = "  "
_BUFFER = 1 << 20

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TEXT_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]")
_ATTR_SPECIAL = re.compile(r"[&<>\"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_XML = "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"


def text(value: str) -> str:
    """Character data as lxml escapes it: &, <, > and carriage return."""
    if not _TEXT_SPECIAL.search(value):
        return value
    if _BAD.search(value):
        raise ValueError(_NOT_XML)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attribute(value: str) -> str:
    """An attribute value as lxml escapes it (double quotes, and the white space an attribute would lose)."""
    if not _ATTR_SPECIAL.search(value):
        return value
    if _BAD.search(value):
        raise ValueError(_NOT_XML)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def start_tag(name: str, attrib: dict[str, str] | None) -> str:
    if not attrib:
        return f"<{name}>"
    return f"<{name} " + " ".join(f'{key}="{attribute(value)}"' for key, value in attrib.items()) + ">"


def leaf(name: str, value: str = "", attrib: dict[str, str] | None = None) -> str:
    """A text-only element as one string."""
    return f"{start_tag(name, attrib)}{text(value) if value else ''}</{name}>"


@dataclass
class WriteResult:
    """What a writer wrote: the number of records, and the data it could not express in the DCC format."""

    count: int = 0
    problems: list[str] = field(default_factory=list)


class _Markup:
    """The `xmlfile`-like surface the element writers use: `write` (escaped text), `element` (a context manager
    for an element with children), `raw` (markup already escaped)."""

    def __init__(self, handle):
        self.raw = handle.write

    def write(self, value: str) -> None:
        self.raw(text(value))

    @contextmanager
    def element(self, name: str, attrib: dict[str, str] | None = None) -> Iterator[None]:
        self.raw(start_tag(name, attrib))
        yield
        self.raw(f"</{name}>")


class Document:
    """Indentation on top of the markup writer: blocks (children on their own lines) and lines (one element with
    its children on one line)."""

    def __init__(self, markup: _Markup):
        self._xf = markup
        self.raw = markup.raw

    @contextmanager
    def block(self, name: str, attrib: dict[str, str], depth: int) -> Iterator[None]:
        """An element whose children go on their own, indented lines."""
        self.raw("\n" + INDENT * depth + start_tag(name, attrib))
        yield
        self.raw("\n" + INDENT * depth + f"</{name}>")

    @contextmanager
    def line(self, name: str, attrib: dict[str, str], depth: int) -> Iterator[None]:
        """An element written on one line with its children (a parameter and its value)."""
        self.raw("\n" + INDENT * depth + start_tag(name, attrib))
        yield
        self.raw(f"</{name}>")

    def empty_line(self, name: str, attrib: dict[str, str], depth: int) -> None:
        """An element without children on its own line."""
        self.raw("\n" + INDENT * depth + start_tag(name, attrib) + f"</{name}>")

    def text_line(self, name: str, value: str, depth: int) -> None:
        """A text-only element on its own line."""
        self.raw("\n" + INDENT * depth + leaf(name, value))

    def leaf(self, name: str, value: str = "", attrib: dict[str, str] | None = None) -> None:
        """A text-only element, written inline."""
        self.raw(leaf(name, value, attrib))

    def sub(self, name: str, attrib: dict | None = None):
        """A child element with children of its own, written inline (inside a parameter line)."""
        return self._xf.element(name, attrib or {})


@contextmanager
def document(destination: str | PathLike, namespace: str, name: str) -> Iterator[Document]:
    """A DCC document: the declaration and the root element in its default namespace, as `xmlfile` wrote them."""
    with open(destination, "w", encoding="utf-8", newline="", buffering=_BUFFER) as handle:
        handle.write(f"<?xml version='1.0' encoding='UTF-8'?>\n<{name} xmlns=\"{namespace}\">")
        yield Document(_Markup(handle))
        handle.write(f"\n</{name}>")
