"""The Flask application of the volunteers' page: routes over the API's `Desk`.

Every page works without JavaScript (forms that post and re-render); app.js adds
the live lint, the preview and the phrasebook's insert buttons through /api/.
Safety lives here, once: CSRF tokens on every POST (Flask-WTF), a request size
limit, access codes compared in constant time, trusted Host names, a
Content-Security-Policy without inline scripts, no debug pages, and plain
error messages.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import io
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import segno
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
QUEUE_ORDER = ("written", "approved", "returned", "printed")  # the organizer reads the new letters first
OPEN_ENDPOINTS = ("enter", "enter_code", "static", "organizer", "organizer_enter")  # the organizer's have their own code


@dataclass(frozen=True)
class Settings:
    """How the page runs: who may use it, where it is reached. The address it answers at
    (for the QR code) is `app.config["LETTERS_ADDRESS"]`, set once the server has its port."""

    organizer_code: str  # always needed for the organizer's pages
    volunteer_code: str | None = None  # needed for every page when set (--lan)
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost")  # the Host names a request may carry (without the port)
    locale: str | None = None
    translations: Path = i18n.FOLDER


class Attempts:
    """Wrong access codes, counted per client: after LIMIT in a minute, that client waits a
    minute. A code of 8 characters from 31 then takes centuries to guess."""

    LIMIT = 10
    WINDOW = 60.0

    def __init__(self) -> None:
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.failures.get(client, []) if now - t < self.WINDOW]
            self.failures[client] = recent
            return len(recent) >= self.LIMIT

    def failed(self, client: str) -> None:
        with self.lock:
            self.failures.setdefault(client, []).append(time.monotonic())
        log.warning("a wrong access code from %s", client)


def host_name(host: str) -> str:
    """The Host header without its port: '127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '::1'."""
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


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
        PROPAGATE_EXCEPTIONS=False,
        LETTERS_ADDRESS="http://127.0.0.1/",
    )
    app.debug = False
    attempts = Attempts()

    @app.before_request
    def known_host() -> Response | None:
        """Only the names the page was started for: a page elsewhere that points its own name
        at this computer (DNS rebinding) gets nothing. Checked before anything else."""
        if host_name(request.host) not in settings.hosts:
            return Response("This page answers only at the address printed when it was started.", 400,
                            mimetype="text/plain")
        return None

    CSRFProtect(app)  # its check runs after the host check
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
        if "code" in request.args and check_code(request.args["code"], settings.volunteer_code):
            session["volunteer"] = True
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "code"]
            return redirect(_safe_next(request.path + (f"?{urlencode(rest)}" if rest else "")))
        if request.path.startswith("/api/"):
            abort(403, _("The page needs its access code."))
        return redirect(url_for("enter", next=request.full_path.rstrip("?")))

    def check_code(given: str | None, expected: str | None) -> bool:
        """A code typed or scanned: right, or counted against this client (who then waits)."""
        client = request.remote_addr or "?"
        if attempts.blocked(client):
            abort(429, _("Too many wrong codes: wait a minute, then type the code again."))
        if same_code(given, expected):
            return True
        attempts.failed(client)
        return False

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
        expired = _("The form has expired or did not come from this page. Go back, reload the page and try again.")
        pid = (request.view_args or {}).get("pid")
        allowed = settings.volunteer_code is None or session.get("volunteer")  # never a way round the code
        if allowed and request.endpoint == "write_post" and pid in desk.data.prisoners and request.form.get("text"):
            try:  # the page was restarted under the volunteer's letter: keep the words, ask to press again
                person = desk.person(pid)
                lang = _choice(request.form.get("lang"), person.languages) or person.languages[0]
                note = _("The page was restarted while you wrote. Your letter is kept below: press the button again.")
                return _write_page(person, lang, request.form["text"], request.form.get("volunteer"), notice=note), 400
            except api.LettersError:
                pass
        return error_page(400, expired)

    @app.errorhandler(api.LedgerFault)
    def ledger_fault(exc: api.LedgerFault):
        log.error("the ledger: %s", exc.detail)  # the organizer's terminal says what; the page says whom to tell
        return error_page(503, exc.format_message())

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
        return error_page(500, _("Something went wrong on the organizer's computer (its terminal says what), and nothing was sent. "
                                 "Go back: your words are usually still in the form; copy them before you try again."))

    # ---------------------------------------------------------------- the volunteer

    @app.get("/enter")
    def enter():
        return render_template("enter.html", next=_safe_next(request.args.get("next")), wrong=False)

    @app.post("/enter")
    def enter_code():
        target = _safe_next(request.form.get("next"))
        if check_code(request.form.get("code"), settings.volunteer_code):
            session["volunteer"] = True
            return redirect(target)
        return render_template("enter.html", next=target, wrong=True), 403

    @app.get("/")
    def choose():
        lang = _choice(request.args.get("lang"), ("be", "ru"))
        topic = _choice(request.args.get("topic"), desk.topics())
        birthdays = request.args.get("birthdays") == "1"
        month = dt.date.today().month
        seed = session.setdefault("seed", secrets.token_hex(8))  # this volunteer's own order among equals
        people = desk.people(lang, topic, month if birthdays else None, seed=seed)
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
        if action == "check" or not api.sendable(findings):
            status = 200 if action == "check" else 422
            return _write_page(person, lang, text, form.get("volunteer"), findings, preview=True), status
        if action == "pdf":
            pdf, _pages = desk.render(pid, text, lang, _choice(form.get("with"), desk.extras()) or "none")
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
        checked = desk.check(text, lang)
        findings = explained([f.as_dict() for f in checked])
        return jsonify({"findings": findings, "pieces": pieces(api.clean_text(text), findings),
                        "characters": len(api.clean_text(text)), "limit": desk.rules.max_chars,
                        "sendable": api.sendable(checked)})

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
                    findings: list[api.Diagnostic] | None = None, preview: bool = False, notice: str | None = None):
        found = explained([f.as_dict() for f in findings]) if findings is not None else None
        image = None
        if preview and findings is not None and api.sendable(findings):
            image = base64.b64encode(desk.preview(person.id, text, lang)).decode()
        return render_template(
            "write.html", person=person, lang=lang, text=api.clean_text(text), volunteer=volunteer or "",
            about=desk.about(person.id, lang), findings=found,
            pieces=pieces(api.clean_text(text), found or []), groups=desk.phrase_groups(),
            limit=desk.rules.max_chars, extras=desk.extras(), preview=image,
            photo=desk.photo(person.id) is not None, notice=notice, frames={code: framed(person.id, code) for code in person.languages})

    def framed(pid: str, lang: str) -> str:
        greeting, signoff = desk.frame(pid, lang)
        return _("The letter begins with «%(greeting)s» and ends with «%(signoff)s» and a line for your signature: "
                 "write what comes between.") % {"greeting": greeting, "signoff": signoff}

    def _phrase(phrase_id: str, lang: str) -> str:
        for phrase in desk.phrases():
            if phrase.id == phrase_id:
                return phrase.text[lang]
        abort(400, _("No such sentence in the phrasebook."))

    # ---------------------------------------------------------------- the organizer

    @app.get("/organizer")
    def organizer():
        if not session.get("organizer"):
            return render_template("organizer_enter.html", wrong=False)
        queue = sorted(desk.queue(), key=lambda q: (QUEUE_ORDER.index(q.submission.state), q.submission.id))
        return render_template("organizer.html", queue=queue, stats=desk.stats(), waiting=desk.waiting(), qr=_qr(),
                               envelopes=desk.data.registry.named("envelope"), settings=settings,
                               address=app.config["LETTERS_ADDRESS"],
                               counts={s: sum(q.submission.state == s for q in queue)
                                       for s in ("written", "approved", "returned", "printed")})

    @app.post("/organizer/enter")
    def organizer_enter():
        if check_code(request.form.get("code"), settings.organizer_code):
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
        pdf, _pages = desk.print_approved(numbers, request.form.get("with", "labels"), again=request.form.get("again") == "1")
        return _pdf(pdf, f"letters-to-print-{dt.date.today().isoformat()}.pdf")

    def _need_organizer() -> None:
        if not session.get("organizer"):
            abort(403, _("The organizer's pages need the organizer's code."))

    def _qr() -> str | None:
        """The page's address with the access code, as a QR code: only when phones can reach it (--lan)."""
        if not settings.volunteer_code:
            return None
        target = f"{app.config['LETTERS_ADDRESS']}?code={settings.volunteer_code}"
        return segno.make(target, error="m").svg_data_uri(scale=5, border=2)

    return app


def _choice(value: str | None, allowed: Any) -> str | None:
    """A value from a form, kept only if it is one of the allowed ones."""
    return value if value and value in allowed else None


def _safe_next(target: str | None) -> str:
    """Where to go after the code: a path on this page only, never another site (no scheme,
    no host, nothing a browser would strip or read as one)."""
    if not target or not re.fullmatch(r"/(?![/\\])[\w\-./?=&%+]*", target) or re.search(r"%(0[0-9a-f]|1[0-9a-f]|2f|5c)", target, re.I):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _append(text: str, sentence: str) -> str:
    text = text.rstrip()
    return f"{text} {sentence}" if text else sentence


def _pdf(data: bytes, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
