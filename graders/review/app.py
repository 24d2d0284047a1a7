"""The review app: a Starlette application over one results folder.

In:  a ``Review`` — the results folder, the catalogue, the gradebook, the renderer, the
     grader's name, the page language and the session token.
Out: ``application(review)``, an ASGI app. Pages: ``/`` (grade by question, with progress),
     ``/item/{assignment}/{variable}`` (one item's rubric and answer groups),
     ``/student/{assignment}/{student}`` (a student's items, automatic verdict beside a
     person's grade), ``/reports/...`` (the report files), ``/static/...`` (the app's own
     script). State changes are JSON POSTs under ``/api/``.

Every request needs the token: in the URL once (``?token=``; the app answers with a cookie and
a redirect to the same page without it), then in the cookie; a POST also needs it in the
``X-Review-Token`` header, which only the app's own script sends. Everything the app shows is
escaped by the templates (autoescape), and a ``Content-Security-Policy`` lets the page run
no script but the app's own.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from graders.model.questions import Homework
from graders.report.i18n import messages
from graders.report.reporter import environment
from graders.review.gradebook import Conflict, Gradebook, Mark
from graders.review.render import Renderer
from graders.review.views import item_view, locate_item, question_rows, student_rows
from graders.review.words import review_messages

COOKIE = "review_token"
HEADER = "x-review-token"
STATIC = Path(__file__).parent / "static"
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
REPORT_POLICY = (  # the report pages' own inline script (the class page's sortable tables)
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Review:
    """What one running review app works on."""

    out: Path
    catalogue: Mapping[str, Homework]
    book: Gradebook
    renderer: Renderer
    grader: str
    lang: str
    token: str

    def assignments(self) -> list[str]:
        return [
            p.name
            for p in sorted(self.out.iterdir())
            if p.is_dir() and p.name in self.catalogue and any(p.glob("*.json"))
        ]

    def records(self, assignment: str) -> list[dict[str, Any]]:
        return self.renderer.reporter.records(assignment)


def _environment() -> jinja2.Environment:
    env = environment()
    env.loader = jinja2.ChoiceLoader(
        [jinja2.PackageLoader("graders.review", "templates"), env.loader or jinja2.BaseLoader()]
    )
    return env


def application(review: Review) -> Starlette:
    """The ASGI application of ``review``."""
    env = _environment()
    t = review_messages(review.lang)
    rt = messages(review.lang)

    def page(name: str, **fields: Any) -> HTMLResponse:
        html = env.get_template(name).render(t=t, rt=rt, token=review.token, **fields)
        return HTMLResponse(html)

    def names(assignment: str) -> tuple[dict[str, str], dict[str, str]]:
        homework = review.catalogue[assignment]
        found = homework.names(review.lang)
        return dict(found.questions), dict(found.items)

    async def start(request: Request) -> Response:
        classes: list[dict[str, Any]] = []
        done = total = 0
        for assignment in review.assignments():
            homework = review.catalogue[assignment]
            titles, labels = names(assignment)
            records = review.records(assignment)
            rows = question_rows(homework, records, review.book, titles, labels)
            done += sum(r.graded for r in rows)
            total += sum(r.answers for r in rows)
            classes.append(
                {
                    "id": assignment,
                    "title": homework.names(review.lang).title,
                    "rows": rows,
                    "students": sorted(str(r["student"]) for r in records),
                    "stale": len(review.book.stale(assignment)),
                }
            )
        return page("review_start.html.j2", classes=classes, done=done, total=total)

    def _homework(request: Request) -> Homework | None:
        return review.catalogue.get(request.path_params["assignment"])

    async def item(request: Request) -> Response:
        homework = _homework(request)
        if homework is None:
            return PlainTextResponse("no such assignment", status_code=404)
        variable = request.path_params["variable"]
        records = review.records(homework.id)
        view = item_view(homework, records, review.book, variable)
        if view is None:
            return PlainTextResponse("no such item", status_code=404)
        titles, labels = names(homework.id)
        order = [i.variable for q in homework.questions for i in q.items]
        rows = question_rows(homework, records, review.book, titles, labels)
        waiting = [i.variable for r in rows for i in r.items if i.answers > i.graded]
        after = [v for v in order[order.index(variable) + 1 :] if v in waiting]
        return page(
            "review_item.html.j2",
            homework=homework,
            view=view,
            title=titles.get(view.question.id, view.question.title),
            label=labels.get(variable, view.item.label),
            prompt=view.question.prompt_for(homework.params, review.lang),
            next_item=after[0] if after else "",
        )

    async def student(request: Request) -> Response:
        homework = _homework(request)
        name = request.path_params["student"]
        record = review.renderer.record(homework.id, name) if homework else None
        if homework is None or record is None:
            return PlainTextResponse("no such student", status_code=404)
        titles, labels = names(homework.id)
        rows = student_rows(record, review.book, labels)
        return page(
            "review_student.html.j2", homework=homework, record=record, rows=rows, titles=titles
        )

    async def report_file(request: Request) -> Response:
        relative = Path(request.path_params["path"])
        target = (review.out / relative).resolve()
        root = review.out.resolve()
        if root not in target.parents or target.suffix not in (".html", ".csv", ".json"):
            return PlainTextResponse("not found", status_code=404)
        if not target.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(target)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        target = STATIC / name
        if "/" in name or not target.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(target, media_type="text/javascript; charset=utf-8")

    async def save(request: Request) -> Response:
        data = await request.json()
        homework = review.catalogue.get(str(data.get("assignment")))
        variable = str(data.get("item"))
        found = locate_item(homework, variable) if homework else None
        if homework is None or found is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        given: dict[str, Any] = dict(data.get("students") or {})
        students = {str(s): int(v) for s, v in given.items()}
        mark = Mark(
            tuple(int(i) for i in list(data.get("rubric") or [])),
            float(data.get("adjustment") or 0),
            str(data.get("comment") or ""),
        )
        saved = review.book.save(
            homework.id, variable, students, mark, found[1].points, review.grader
        )
        problems = review.renderer.render(homework.id, [g.student for g in saved.grades])
        return JSONResponse(
            {
                "saved": {g.student: g.version for g in saved.grades},
                "points": saved.grades[0].points if saved.grades else None,
                "conflicts": [_conflict(c) for c in saved.conflicts],
                "problems": problems,
            }
        )

    async def rubric_edit(request: Request) -> Response:
        data = await request.json()
        assignment = str(data.get("assignment"))
        if assignment not in review.catalogue:
            return JSONResponse({"error": "no such assignment"}, status_code=404)
        action = str(data.get("action"))
        try:
            if action == "add":
                review.book.add_rubric_item(
                    assignment,
                    str(data["item"]),
                    float(data["points"]),
                    str(data["text"]),
                    review.grader,
                )
                changed = []
            elif action == "remove":
                changed = review.book.remove_rubric_item(assignment, int(data["id"]), review.grader)
            else:
                changed = review.book.edit_rubric_item(
                    assignment,
                    int(data["id"]),
                    float(data["points"]),
                    str(data["text"]),
                    review.grader,
                )
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": f"bad rubric change ({exc})"}, status_code=400)
        problems = review.renderer.render(assignment, [g.student for g in changed])
        return JSONResponse({"rescored": len(changed), "problems": problems})

    async def split(request: Request) -> Response:
        data = await request.json()
        review.book.split(
            str(data["assignment"]), str(data["item"]), str(data["student"]), review.grader
        )
        return JSONResponse({"ok": True})

    async def recheck(request: Request) -> Response:
        data = await request.json()
        review.book.set_recheck(
            str(data["assignment"]), str(data["item"]), bool(data.get("on")), review.grader
        )
        return JSONResponse({"ok": True})

    routes = [
        Route("/", start),
        Route("/item/{assignment}/{variable}", item),
        Route("/student/{assignment}/{student}", student),
        Route("/reports/{path:path}", report_file),
        Route("/static/{name}", static),
        Route("/api/grade", save, methods=["POST"]),
        Route("/api/rubric", rubric_edit, methods=["POST"]),
        Route("/api/split", split, methods=["POST"]),
        Route("/api/recheck", recheck, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(_TokenGate, token=review.token, refused=t("refused"))
    return app


def _conflict(conflict: Conflict) -> dict[str, Any]:
    current = conflict.current
    return {
        "student": conflict.student,
        "version": current.version if current else 0,
        "grader": current.grader if current else "",
        "at": current.at if current else "",
        "points": current.points if current else None,
    }


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class _TokenGate:
    """Refuses every request without the session's token (see the module's docstring)."""

    def __init__(self, app: ASGIApp, token: str, refused: str) -> None:
        self.app = app
        self.token = token
        self.refused = refused

    def _same(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response: Response | None = None
        if self._same(request.query_params.get("token")):
            response = RedirectResponse(request.url.remove_query_params("token"), 303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
        elif not self._same(request.cookies.get(COOKIE)) or (
            request.method != "GET" and not self._same(request.headers.get(HEADER))
        ):
            response = PlainTextResponse(self.refused, status_code=403)
        if response is not None:
            await response(scope, receive, send)
            return

        async def secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                policy = REPORT_POLICY if scope["path"].startswith("/reports/") else POLICY
                headers.append((b"content-security-policy", policy.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured)
