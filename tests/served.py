"""The real `letters serve`, started by the tests on a free loopback port and stopped by them,
and a small HTTP client (cookies, CSRF tokens) that talks to it like a browser without JavaScript."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

LETTERS = Path(sys.executable).parent / "letters"


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT/
    organizer_code: str
    volunteer_code: str | None
    campaign: Path
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the server; what it printed meanwhile is added to `output`."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            if self.process.stdout:
                self.output.append(self.process.stdout.read())


def start(campaign: Path, *options: str) -> Server:
    """`letters serve CAMPAIGN --port 0 ...`; wait for the address it prints."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([str(LETTERS), "serve", str(campaign), "--port", "0", *options],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("letters serve stopped:\n" + "".join(lines))
        lines.append(line)
        if "Ctrl-C" in line:
            break
    text = "".join(lines)
    url = re.search(r"open (http://\S+/)", text)[1]
    organizer = re.search(r"organizer \(code (\w+)\)", text)[1]
    volunteer = re.search(r"access code (\w+)", text)
    return Server(url, organizer, volunteer[1] if volunteer else None, Path(campaign), process, lines)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One browser: its own cookies; the CSRF token read from the last page."""

    def __init__(self, server: Server, follow: bool = True):
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)] + ([] if follow else [NoRedirect()])
        self.opener = urllib.request.build_opener(*handlers)
        self.token = ""
        self.last_url = ""  # where the last request ended, after redirects

    def request(self, method: str, path: str, data: dict | None = None, body: bytes | None = None,
                headers: dict[str, str] | None = None, json_body=None) -> Reply:
        headers = dict(headers or {})
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        url = path if path.startswith("http") else self.server.url.rstrip("/") + path  # dot segments sent as they are
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                reply = Reply(response.status, dict(response.headers), response.read())
                self.last_url = response.geturl()
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, dict(error.headers), error.read())
        if found := re.search(r'name="csrf-token" content="([^"]+)"', reply.text if reply.headers.get("Content-Type", "").startswith("text/html") else ""):
            self.token = found[1]
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, data: dict, csrf: bool = True) -> Reply:
        return self.request("POST", path, data={**data, **({"csrf_token": self.token} if csrf else {})})

    def api(self, path: str, payload, csrf: bool = True) -> Reply:
        return self.request("POST", path, json_body=payload, headers={"X-CSRFToken": self.token} if csrf else {})

    def organizer(self) -> Reply:
        self.get("/organizer")
        return self.post("/organizer/enter", {"code": self.server.organizer_code})
