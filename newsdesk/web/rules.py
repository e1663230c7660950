"""``/my/rules``: a reader's filter rules, listed with what each hides, added after a preview, and
deleted (which brings back every article the rule hid: the undo).

One form does both preview and add (two buttons, ``intent``), so the reader sees what a rule would
block among their newest articles before saving it; a bad expression comes back with the reason
and the form as typed. "Apply to the articles already here" is a checkbox on add and a button per
rule; without it a rule applies to articles arriving from then on. Every write is a POST with the
CSRF token; the pages are personal (never cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsdesk.enrich.rules import ACTIONS, FIELDS, RuleError, RuleSpec
from newsdesk.errors import UsageError
from newsdesk.pipeline import filtering
from newsdesk.store import reading
from newsdesk.store import rules as rule_store
from newsdesk.store.db import StoreBusy, session_scope
from newsdesk.web.auth import UserView, busy, personal_page, plain_error, require_user, user_form
from newsdesk.web.site import Site, site_of

FIELD_LABELS = {"title": "Title", "url": "Link (URL)", "author": "Author", "content": "Text",
                "lang": "Language", "section": "Section"}
PREVIEW_SHOWN = 30  # why: enough to judge a rule at a glance; the counts cover every article tried


@dataclass
class RuleForm:
    """The add form as typed (kept when it comes back with an error or a preview)."""

    action: str = "block"
    field: str = "title"
    pattern: str = ""
    is_regex: bool = False
    scope: str = "global"  # "global", "folder:<path>", "source:<id>"
    apply_existing: bool = False

    def spec(self) -> RuleSpec:
        kind, _, value = self.scope.partition(":")
        return RuleSpec(None, kind, value or None, self.action, self.field, self.pattern, self.is_regex)


def _form(form: FormData) -> RuleForm:
    def text(name: str, default: str = "") -> str:
        value = form.get(name)
        return value if isinstance(value, str) else default

    return RuleForm(action=text("action", "block"), field=text("field", "title"), pattern=text("pattern")[:5000],
                    is_regex=form.get("is_regex") == "1", scope=text("scope", "global")[:400],
                    apply_existing=form.get("apply_existing") == "1")


def _scope_label(row: rule_store.RuleRow, names: dict[str, str]) -> str:
    if row.scope == "folder":
        return f"in folder {row.scope_value}"
    if row.scope == "source":
        return f"from {names.get(row.scope_value or '', 'source ' + str(row.scope_value))}"
    return "everywhere"


def _context(site: Site, user: UserView) -> dict[str, Any]:
    with site.session() as session:
        subs = reading.subscriptions(session, user.id)
        folders = reading.folders(session, user.id)
        rows = rule_store.rules_of(session, user.id)
    names = {str(s.source_id): s.title for s in subs}
    scopes = [("global", "Everywhere")] + [(f"folder:{f}", f"Folder: {f}") for f in folders] + \
        [(f"source:{s.source_id}", f"Source: {s.title}") for s in subs]
    rules = [{"row": r, "scope": _scope_label(r, names), "field": FIELD_LABELS.get(r.field, r.field)} for r in rows]
    return {"rules": rules, "scopes": scopes, "names": names}


def _page(request: Request, user: UserView, form: RuleForm, *, preview: filtering.Preview | None = None,
          error: str | None = None, message: str | None = None, status_code: int = 200) -> Response:
    site = site_of(request)
    context = _context(site, user)
    return personal_page(request, "rules.html", status_code=status_code, user=user, form=form, preview=preview,
                         error=error, message=message, fields=[(f, FIELD_LABELS[f]) for f in FIELDS],
                         actions=ACTIONS, preview_shown=PREVIEW_SHOWN, **context)


async def rules_page(request: Request) -> Response:
    user = await require_user(request)
    if isinstance(user, Response):
        return user
    qp = request.query_params
    message = None
    if qp.get("added"):
        message = "Rule added." + (f" It hid {qp.get('hidden')} articles already here." if qp.get("hidden") else "")
    elif qp.get("back") is not None:
        message = f"Rule deleted: {qp.get('back')} articles are back in your feed."
    elif qp.get("applied") is not None:
        message = f"Applied: {qp.get('applied')} more articles hidden."
    return await run_in_threadpool(_page, request, user, RuleForm(), message=message)


async def rules_post(request: Request) -> Response:
    """Preview or add, by the button pressed."""
    answer = await user_form(request, max_fields=20)
    if isinstance(answer, Response):
        return answer
    user, raw = answer
    site = site_of(request)
    form = _form(raw)
    if raw.get("intent") == "add":
        try:
            hidden = await run_in_threadpool(_add, site, user.id, form)
        except RuleError as exc:
            message = _plain(exc)
            return await run_in_threadpool(lambda: _page(request, user, form, error=message, status_code=400))
        except StoreBusy as exc:
            return busy(site, exc)
        suffix = f"&hidden={hidden}" if form.apply_existing else ""
        return RedirectResponse(f"/my/rules?added=1{suffix}", status_code=303)

    def show() -> Response:
        try:
            with site.session() as session:
                result = filtering.preview(session, user.id, form.spec(), site.settings)
        except RuleError as exc:
            return _page(request, user, form, error=_plain(exc), status_code=400)
        return _page(request, user, form, preview=result)

    return await run_in_threadpool(show)


def _plain(exc: UsageError) -> str:
    text = str(exc).removeprefix("rules: ")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _write(site: Site) -> Any:
    return session_scope(site.engine, lock_wait=site.settings.web_write_lock_wait)


def _add(site: Site, user_id: int, form: RuleForm) -> int:
    now = site.clock()
    with _write(site) as session:
        row = filtering.add_rule(session, user_id, form.spec(), site.settings, now=now)
        if form.apply_existing:
            return filtering.apply_existing(session, user_id, row.id, site.settings, now=now)
    return 0


def _rule_id(request: Request) -> int | None:
    value = request.path_params.get("rule_id", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


async def rule_delete(request: Request) -> Response:
    return await _rule_action(request, "delete")


async def rule_apply(request: Request) -> Response:
    return await _rule_action(request, "apply")


async def _rule_action(request: Request, action: str) -> Response:
    answer = await user_form(request, max_fields=5)
    if isinstance(answer, Response):
        return answer
    user, _ = answer
    site = site_of(request)
    rule_id = _rule_id(request)

    def run() -> int:
        if rule_id is None:
            raise UsageError("rules: no such rule")
        with _write(site) as session:
            if action == "delete":
                return rule_store.delete_rule(session, user.id, rule_id)
            return filtering.apply_existing(session, user.id, rule_id, site.settings, now=site.clock())

    try:
        count = await run_in_threadpool(run)
    except UsageError:
        return plain_error(site, 404, "No such rule", "You have no rule with that number.")
    except StoreBusy as exc:
        return busy(site, exc)
    key = "back" if action == "delete" else "applied"
    return RedirectResponse(f"/my/rules?{key}={count}", status_code=303)


ROUTES = [
    Route("/my/rules", rules_page, methods=["GET", "HEAD"]),
    Route("/my/rules", rules_post, methods=["POST"]),
    Route("/my/rules/{rule_id}/delete", rule_delete, methods=["POST"]),
    Route("/my/rules/{rule_id}/apply", rule_apply, methods=["POST"]),
]

__all__ = ["ROUTES"]
