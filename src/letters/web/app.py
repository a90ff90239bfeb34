"""The Flask application of the volunteers' page: routes over the API's `Desk`.

Every page works without JavaScript (forms that post and re-render); app.js adds
the live lint, the preview and the phrasebook's insert buttons through /api/.
Safety lives here, once: CSRF tokens on every POST (Flask-WTF), a request size
limit, access codes compared in constant time, trusted Host names, a
Content-Security-Policy without inline scripts, no debug pages, and plain
error messages.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import (
    Flask,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from .. import api
from . import i18n
from .marks import explained, pieces

MAX_BODY = 64 * 1024  # a letter is at most a few thousand characters
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
log = logging.getLogger("letters.web")
OPEN_ENDPOINTS = ("enter", "enter_code", "static", "organizer", "organizer_enter")  # the organizer's have their own code


@dataclass(frozen=True)
class Settings:
    """How the page runs: who may use it, where it is reached."""

    organizer_code: str  # always needed for the organizer's pages
    volunteer_code: str | None = None  # needed for every page when set (--lan)
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost")  # the Host names a request may carry
    address: str = "http://127.0.0.1:8000/"  # what the QR code points at
    locale: str | None = None
    translations: Path = i18n.FOLDER


def new_code(length: int = 8) -> str:
    """An access code easy to read aloud and type on a phone: no 0/O, 1/I/L."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def same_code(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison, case and spaces forgiven (codes are typed on phones)."""
    if not expected:
        return False
    typed = "".join((given or "").split()).upper().replace("-", "")
    return hmac.compare_digest(typed.encode(), expected.replace("-", "").encode())


def create_app(desk: api.Desk, settings: Settings) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # new on every start: sessions end with the page
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        TRUSTED_HOSTS=list(settings.hosts),
        PROPAGATE_EXCEPTIONS=False,
    )
    app.debug = False
    CSRFProtect(app)
    translations = i18n.load(settings.locale, settings.translations)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    _ = translations.gettext
    app.jinja_env.filters["day_month"] = lambda day: format_date(day, "d MMMM", locale=settings.locale or "en")
    app.extensions["letters"] = {"desk": desk, "settings": settings}

    @app.before_request
    def need_volunteer_code() -> Response | None:
        """In --lan mode every page needs the code: from the QR code's ?code=, or the form."""
        if settings.volunteer_code is None or request.endpoint in OPEN_ENDPOINTS:
            return None
        if session.get("volunteer"):
            return None
        if same_code(request.args.get("code"), settings.volunteer_code):
            session["volunteer"] = True
            return redirect(request.path)
        if request.path.startswith("/api/"):
            abort(403, _("The page needs its access code."))
        return redirect(url_for("enter", next=request.path))

    @app.context_processor
    def campaign() -> dict[str, Any]:
        return {"campaign_title": desk.data.campaign.title,
                "full_name": lambda pid: f"{desk.data.prisoners[pid].names.latin.first} {desk.data.prisoners[pid].names.latin.last}"}

    @app.after_request
    def safety_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"  # letters and names stay out of caches
        return response

    # ---------------------------------------------------------------- errors: plain words, never a traceback

    def error_page(status: int, message: str) -> tuple[str, int] | tuple[Response, int]:
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), status
        try:
            return render_template("error.html", status=status, message=message), status
        except Exception:  # the error page itself failed: still plain words
            log.exception("the error page failed")
            return Response(message, status, mimetype="text/plain"), status

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        return error_page(400, _("The form has expired or did not come from this page. Go back, reload the page and try again."))

    @app.errorhandler(api.LettersError)
    def refused(exc: api.LettersError):
        return error_page(400, exc.format_message())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {404: _("There is no such page."), 413: _("That is too much text to send at once."),
                    405: _("That page cannot be used like this.")}
        return error_page(exc.code or 500, messages.get(exc.code or 0) or exc.description or exc.name)

    @app.errorhandler(Exception)
    def failure(exc: Exception):
        log.exception("the page failed")  # the organizer's terminal shows why; the browser never does
        return error_page(500, _("Something went wrong on the organizer's computer. The letter was not lost: go back and try again."))

    # ---------------------------------------------------------------- the volunteer

    @app.get("/enter")
    def enter():
        return render_template("enter.html", next=_safe_next(request.args.get("next")), wrong=False)

    @app.post("/enter")
    def enter_code():
        target = _safe_next(request.form.get("next"))
        if same_code(request.form.get("code"), settings.volunteer_code):
            session["volunteer"] = True
            return redirect(target)
        return render_template("enter.html", next=target, wrong=True), 403

    @app.get("/")
    def choose():
        lang = _choice(request.args.get("lang"), ("be", "ru"))
        topic = _choice(request.args.get("topic"), desk.topics())
        birthdays = request.args.get("birthdays") == "1"
        month = dt.date.today().month
        people = desk.people(lang, topic, month if birthdays else None)
        anyone = bool(people) or bool(desk.people())
        return render_template("choose.html", people=people, lang=lang, topic=topic, birthdays=birthdays,
                               topics=desk.topics(), month=month, anyone=anyone)

    @app.get("/write/<pid>")
    def write(pid: str):
        person = desk.person(pid)
        lang = _choice(request.args.get("lang"), person.languages) or person.languages[0]
        return _write_page(person, lang, "", None)

    @app.post("/write/<pid>")
    def write_post(pid: str):
        person = desk.person(pid)
        form = request.form
        lang = _choice(form.get("lang"), person.languages) or person.languages[0]
        text = form.get("text", "")
        if form.get("insert"):  # the phrasebook without JavaScript: add the sentence, show the page again
            text = _append(text, _phrase(form["insert"], lang))
            return _write_page(person, lang, text, form.get("volunteer"))
        action = form.get("action", "check")
        findings = desk.check(text, lang)
        if action == "check" or any(f.severity == "error" for f in findings):
            status = 200 if action == "check" else 422
            return _write_page(person, lang, text, form.get("volunteer"), findings, preview=True), status
        if action == "pdf":
            envelope = _choice(form.get("with"), desk.data.registry.named("envelope"))
            pdf, _pages = desk.render(pid, text, lang, envelope)
            return _pdf(pdf, f"letter-{pid}.pdf")
        if action == "send":
            sent = desk.submit(pid, text, lang, form.get("volunteer"))
            return redirect(url_for("receipt", token=sent.receipt), 303)
        abort(400, _("Unknown action."))

    @app.get("/letter/<token>")
    def receipt(token: str):
        sent = desk.receipt(token)
        if sent is None:
            abort(404)
        return render_template("receipt.html", sent=sent, person=desk.data.prisoners[sent.prisoner])

    @app.get("/photo/<pid>")
    def photo(pid: str):
        path = desk.photo(pid) if pid in desk.data.prisoners else None
        if path is None:
            abort(404)
        return send_file(path, max_age=0)

    @app.post("/api/check")
    def api_check():
        _person, text, lang = _api_letter()
        findings = explained([f.as_dict() for f in desk.check(text, lang)])
        return jsonify({"findings": findings, "pieces": pieces(api.clean_text(text), findings),
                        "characters": len(api.clean_text(text)), "limit": desk.rules.max_chars,
                        "sendable": not any(f["severity"] == "error" for f in findings)})

    @app.post("/api/preview")
    def api_preview():
        pid, text, lang = _api_letter()
        return Response(desk.preview(pid, text, lang), mimetype="image/png")

    def _api_letter() -> tuple[str, str, str]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("person", "text", "lang")):
            abort(400, _("Send the person, the text and the language."))
        person = desk.person(body["person"])
        if body["lang"] not in person.languages:
            abort(400, _("That language is not offered for this person."))
        return person.id, body["text"], body["lang"]

    def _write_page(person: Any, lang: str, text: str, volunteer: str | None,
                    findings: list[api.Diagnostic] | None = None, preview: bool = False):
        found = explained([f.as_dict() for f in findings]) if findings is not None else None
        image = None
        if preview and found is not None and not any(f["severity"] == "error" for f in found):
            import base64
            image = base64.b64encode(desk.preview(person.id, text, lang)).decode()
        return render_template(
            "write.html", person=person, lang=lang, text=api.clean_text(text), volunteer=volunteer or "",
            about=desk.about(person.id, lang), findings=found,
            pieces=pieces(api.clean_text(text), found or []), groups=desk.phrase_groups(),
            limit=desk.rules.max_chars, envelopes=desk.data.registry.named("envelope"), preview=image,
            photo=desk.photo(person.id) is not None)

    def _phrase(pid: str, lang: str) -> str:
        for phrase in desk.phrases():
            if phrase.id == pid:
                return phrase.text[lang]
        abort(400, _("No such sentence in the phrasebook."))

    # ---------------------------------------------------------------- the organizer

    @app.get("/organizer")
    def organizer():
        if not session.get("organizer"):
            return render_template("organizer_enter.html", wrong=False)
        queue = desk.queue()
        return render_template("organizer.html", queue=queue, stats=desk.stats(), waiting=desk.waiting(), qr=_qr(),
                               envelopes=desk.data.registry.named("envelope"), settings=settings,
                               address=app.config.get("LETTERS_ADDRESS", settings.address),
                               counts={s: sum(q.submission.state == s for q in queue)
                                       for s in ("written", "approved", "returned", "printed")})

    @app.post("/organizer/enter")
    def organizer_enter():
        if same_code(request.form.get("code"), settings.organizer_code):
            session["organizer"] = True
            session["volunteer"] = True
            return redirect(url_for("organizer"), 303)
        return render_template("organizer_enter.html", wrong=True), 403

    @app.post("/organizer/review/<int:number>")
    def review(number: int):
        _need_organizer()
        decision = request.form.get("decision")
        if decision not in ("approve", "return"):
            abort(400, _("Approve or return."))
        desk.review(number, decision == "approve", request.form.get("note"))
        return redirect(url_for("organizer") + f"#letter-{number}", 303)

    @app.post("/organizer/print")
    def print_letters():
        _need_organizer()
        numbers = [int(n) for n in request.form.getlist("letter") if n.isdigit()]
        with_ = request.form.get("with", "labels")
        pdf, _pages = desk.print_approved(numbers or None, with_)
        return _pdf(pdf, f"letters-to-print-{dt.date.today().isoformat()}.pdf")

    def _need_organizer() -> None:
        if not session.get("organizer"):
            abort(403, _("The organizer's pages need the organizer's code."))

    def _qr() -> str:
        import segno

        target = app.config.get("LETTERS_ADDRESS", settings.address) + (f"?code={settings.volunteer_code}" if settings.volunteer_code else "")
        return segno.make(target, error="m").svg_data_uri(scale=5, border=2)

    return app


def _choice(value: str | None, allowed: Any) -> str | None:
    """A value from a form, kept only if it is one of the allowed ones."""
    return value if value and value in allowed else None


def _safe_next(target: str | None) -> str:
    """Where to go after the code: a path on this page only (never another site)."""
    return target if target and target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _append(text: str, sentence: str) -> str:
    text = text.rstrip()
    return f"{text} {sentence}" if text else sentence


def _pdf(data: bytes, name: str) -> Response:
    import io

    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
