"""Run the volunteers' page on waitress (a production WSGI server in pure Python).

On the loopback address by default. `lan=True` lets an event's network in: it
binds only to the address it is given, and every page then needs the access code
printed at start. The organizer's pages always need their own code.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

from .. import api
from .app import MAX_BODY, Settings, create_app, new_code

THREADS = 8  # requests served at once (renders take turns; the ledger queues its writers)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str | None, lan: bool) -> str:
    """Where to listen: loopback unless --lan, and with --lan only at the one address given
    (an IP address of this computer, never one that means every network)."""
    if lan and not host:
        raise api.LettersError("--lan needs --host: the address of this computer on the event's network "
                               "(e.g. --host 192.168.1.20; `hostname -I` lists them)")
    host = (host or "127.0.0.1").strip("[]")
    if is_loopback(host) and host != "localhost":
        host = str(ipaddress.ip_address(host))  # one spelling, the one the Host check compares
    if not lan and not is_loopback(host):
        raise api.LettersError(f"{host} is not this computer's loopback address: add --lan to let other devices in "
                               f"(every page then needs the access code)")
    if lan:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise api.LettersError(f"--host {host}: give this computer's IP address on the event's network "
                                   f"(e.g. 192.168.1.20), not a name") from None
        if address.is_unspecified:
            raise api.LettersError("--host must be one address, not every network at once: give this computer's "
                                   "address on the event's network")
        if address.is_multicast or address.is_reserved or str(address) == "255.255.255.255" or \
                getattr(address, "ipv4_mapped", None) is not None:
            raise api.LettersError(f"--host {host}: give this computer's own address on the event's network "
                                   f"(e.g. 192.168.1.20), not a broadcast, multicast or mapped one")
        host = str(address)
    return host


def serve(campaign: Path, host: str | None = None, port: int = 8000, lan: bool = False, db: Path | None = None,
          include_stale: bool = False, locale: str | None = None, say: Callable[[str], None] = print,
          organizer_code: str | None = None, volunteer_code: str | None = None) -> None:
    """Start the page and serve until interrupted (Ctrl-C)."""
    from waitress.server import create_server

    host = check_host(host, lan)
    desk = api.Desk(campaign, db, include_stale)
    organizer = organizer_code or new_code(10)
    volunteer = (volunteer_code or new_code(8)) if lan else None
    hosts = (host,) if lan else (host, "127.0.0.1", "localhost", "::1")
    try:
        settings = Settings(organizer, volunteer, hosts, locale=locale)
        app = create_app(desk, settings)
        server = create_server(app, host=host, port=port, threads=THREADS, ident="letters",
                               max_request_body_size=4 * MAX_BODY, clear_untrusted_proxy_headers=True)  # the page refuses above MAX_BODY first
    except OSError as exc:
        raise api.LettersError(f"cannot listen on {host}:{port}: {exc.strerror}; give another --port") from None
    except ValueError as exc:
        raise api.LettersError(str(exc)) from None
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{server.effective_port}/"
    app.config["LETTERS_ADDRESS"] = address
    app.config["SESSION_COOKIE_NAME"] = f"letters-{server.effective_port}"  # two pages on one computer keep apart
    say(f"letters serve: open {address}")
    say(f"  the organizer's page: {address}organizer (code {organizer})")
    if volunteer:
        say(f"  volunteers need the access code {volunteer} (the organizer's page shows it as a QR code)")
    people = len(desk.people())
    say(f"  {people} {'person' if people == 1 else 'people'} can receive letters; letters go to {Path(campaign) / 'messages'} and {desk.db}")
    if not people:
        say("  nobody can receive letters now: `letters check` says why (data past its re-verification date? add --include-stale)")
    say("  press Ctrl-C to stop")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
