"""A PDF that cannot be written for want of a system package: a clear page for the user, the fix in the log.

The fonts themselves are found by relais.engine.writers.fonts (one search for every PDF Relais writes); this is
the web side of its FontsMissing, shared by the trial report and the digital diagnosis report.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relais.engine.writers.fonts import FontsMissing

logger = logging.getLogger(__name__)


def pdf_unavailable(request: HttpRequest, error: FontsMissing) -> HttpResponse:
    """503, not 500: the server lacks a package the operator can install; the HTML version still works."""
    logger.error("PDF report not written: %s", error)
    query = request.GET.urlencode()
    html_url = request.path.removesuffix(".pdf") + ".html" + (f"?{query}" if query else "")  # same period
    return render(request, "insights/pdf_unavailable.html", {"html_url": html_url}, status=503)
