"""Reading back what the export delivered: zips, the XML inside them, and the crawler's naming rules; and the
test database's URL for the worker and command processes the tests start."""
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from lxml import etree

# Copied from the DCC crawler's tracker.properties (dcc-format.md §2), independently of procedures.dcc.packaging.
CRAWLER_ZIP_RE = re.compile(r"([a-zA-Z_]*)[.]([0-9]{4})-([0-9]{2})-([0-9]{2})[.]([0-9]{1,5})[.]impc[.](zip)")
CRAWLER_XML_RE = re.compile(
    r"([a-zA-Z_]*)[.]([0-9]{4})-([0-9]{2})-([0-9]{2})[.]([0-9]{1,5})[.](specimen|experiment)[.]impc[.](xml)"
)
SPECIMEN_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/specimen"
PROCEDURE_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/procedure"


def read_zip(path: str | Path) -> tuple[str, bytes]:
    """Return the name and content of the only entry of a delivered zip (failing if there is not exactly one)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert len(names) == 1, names
        return names[0], archive.read(names[0])


def q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def parse(content: bytes) -> etree._Element:
    return etree.fromstring(content)


def worker_database_url() -> str:
    """DATABASE_URL for the test database; a socket directory (embedded server) is percent-encoded as the host."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(str(db.get("HOST") or ""), safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"
