"""The admin's extraction page for one source: its mode and selectors, and a preview of each mode.

``GET /admin/sources/{id}/extraction`` shows the saved settings; the form posts back to the same
address with ``action=preview`` (each mode's text on the source's latest articles, with the
selectors as typed, nothing saved) or ``action=save``. Both check the selectors first and show a
bad one as an error on the form, what was typed kept. No JavaScript is needed.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsdesk.errors import UsageError, plain_message
from newsdesk.pipeline import extraction
from newsdesk.store import repo
from newsdesk.store.db import StoreBusy
from newsdesk.store.schema import Source
from newsdesk.web.routes import (
    _admin_page,
    _admin_refused,
    _busy,
    _int,
    _plain_error,
    admin_form,
)
from newsdesk.web.site import Site, site_of

MAX_FIELD_CHARS = 12_000  # why: twenty drop selectors of 500 characters, with room; bounds the form


def _entered(rules: extraction.ExtractionRules) -> dict[str, str]:
    return {"mode": rules.mode, "body_selector": rules.body_selector or "",
            "drop_selectors": "\n".join(rules.drop_selectors)}


async def _page(request: Request, source_id: int, *, entered: dict[str, str], message: str | None = None,
                error: str | None = None, previews: list[extraction.PreviewPage] | None = None,
                status: int = 200) -> Response:
    site = site_of(request)

    def load() -> tuple[str, extraction.ExtractionRules]:
        with site.session() as session:
            name = repo.get_source(session, source_id).name
        return name, extraction.get_extraction(site.settings, source_id)

    name, saved = await run_in_threadpool(load)
    context: dict[str, Any] = {"source_id": source_id, "source_name": name, "saved": saved, "entered": entered,
                               "message": message, "error": error, "previews": previews,
                               "modes": extraction.MODE_NAMES, "mode_help": extraction.MODE_HELP}
    response = _admin_page(request, "admin/source_extraction.html", **context)
    response.status_code = status
    return response


def _exists(site: Site, source_id: int) -> bool:
    with site.session() as session:
        return session.get(Source, source_id) is not None


async def extraction_form(request: Request) -> Response:
    if (refused := await _admin_refused(request)) is not None:
        return refused
    source_id = _int(request.path_params["source_id"])
    if source_id is None:
        return _plain_error(site_of(request), 404, "Page not found", "No such source.")
    try:
        rules = await run_in_threadpool(extraction.get_extraction, site_of(request).settings, source_id)
        return await _page(request, source_id, entered=_entered(rules),
                           message="Saved." if request.query_params.get("msg") == "saved" else None)
    except UsageError:
        return _plain_error(site_of(request), 404, "Page not found", "No such source.")


async def extraction_post(request: Request) -> Response:
    """Preview or save what the form holds; a bad selector is shown on the form (422)."""
    form = await admin_form(request, max_fields=10, max_part_size=MAX_FIELD_CHARS)
    if isinstance(form, Response):
        return form
    site = site_of(request)
    source_id = _int(request.path_params["source_id"])
    if source_id is None:
        return _plain_error(site, 404, "Page not found", "No such source.")
    if not await run_in_threadpool(_exists, site, source_id):
        return _plain_error(site, 404, "Page not found", "No such source.")
    entered = {key: str(form.get(key) or "")[:MAX_FIELD_CHARS] for key in ("mode", "body_selector", "drop_selectors")}
    drops = tuple(line for line in entered["drop_selectors"].splitlines() if line.strip())
    action = str(form.get("action") or "preview")
    try:
        rules = extraction.check_rules(entered["mode"] or "auto", entered["body_selector"], drops)
        if action == "save":
            await run_in_threadpool(extraction.set_extraction, site.settings, source_id, rules.mode,
                                    rules.body_selector, rules.drop_selectors)
            return RedirectResponse(f"/admin/sources/{source_id}/extraction?msg=saved", status_code=303)
        previews = await run_in_threadpool(extraction.preview, site.settings, source_id, rules)
    except StoreBusy as exc:
        return _busy(site, exc)
    except UsageError as exc:
        return await _page(request, source_id, entered=entered, error=plain_message(exc), status=422)
    return await _page(request, source_id, entered=entered, previews=previews)


ROUTES = [
    Route("/admin/sources/{source_id}/extraction", extraction_form, methods=["GET"], name="admin-source-extraction"),
    Route("/admin/sources/{source_id}/extraction", extraction_post, methods=["POST"],
          name="admin-source-extraction-post"),
]
