"""Deterministic office files: the same content gives the same bytes (DOCX and ODT are ZIP containers).

Shared by the demo publisher (relais.demo.formats) and the request documents
(relais.engine.writers.request_documents). No Django here.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

ZIP_EPOCH = datetime(1980, 1, 1)  # the earliest date a ZIP entry can carry


def normalized_zip(data: bytes, when: datetime | None) -> bytes:
    """The same ZIP with fixed entry timestamps (`when`, or 1980-01-01) and permissions, entries in order."""
    stamp = max(when.replace(tzinfo=None) if when else ZIP_EPOCH, ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type  # ODF's "mimetype" entry must stay stored, uncompressed
            entry.create_system = 3
            entry.external_attr = 0o100644 << 16
            target.writestr(entry, source.read(info))
    return out.getvalue()


def write_odt(odt: Any, buffer: io.BytesIO) -> None:
    """odfpy declares, at the root of every XML part, the namespaces its process has met so far (a class-level
    registry that loading any ODF file grows): declare every namespace it knows, in its fixed order, instead."""
    from odf.element import Element
    from odf.namespaces import nsdict

    registry = Element.namespaces
    Element.namespaces = dict(nsdict)
    try:
        odt.write(buffer)
    finally:
        Element.namespaces = registry
