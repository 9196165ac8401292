"""Tickets to GLPI: its legacy REST API (apirest.php) or GLPI 11's high-level API (api.php/v2).

RELAIS_GLPI_API chooses: `LegacyGlpiConnector` (App-Token + user token, session
token from initSession) or `GlpiV2Connector` (OAuth2 password grant, Bearer token).

Exactly once: the outbox may retry a send whose first try timed out *after* GLPI
had created the ticket. So every creation is looked up first by its idempotency key:

- the ticket carries the key in GLPI's `externalid` field (« External ID »,
  `external_id` in the v2 schema); `open` searches it before posting and reuses
  the ticket it finds;
- each follow-up (the transcript, a handler's reply) ends with a reference line
  holding its key; it is posted only when no follow-up of the ticket holds it.

Requester: the legacy connector looks the agent up among GLPI users by e-mail
(search on User) and sets `_users_id_requester` when exactly one matches; the
v2 connector does not (the v2 Ticket schema has no requester field: actors are
added by a separate team-member call, a second non-idempotent write). In both
cases the agent's name and e-mail are written at the top of the ticket content,
so the handler always knows who asks.

Errors: no answer in time, connection refused, 5xx and a session or token still
refused after one renewal raise `DeliveryError` (retried with backoff). Refused
credentials or rights (App-Token, user token, OAuth client or account) raise
`GlpiConfigurationError`, a `DeliveryError` naming the RELAIS_GLPI_* setting to
fix: tickets wait in the outbox until the operator fixes it instead of being
lost. GLPI refusing the item itself (ERROR_GLPI_ADD, invalid parameters, a
ticket that no longer exists) raises `RejectedError`: the same send would fail again.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from relais.helpdesk.connectors import DeliveryError, FollowupData, RejectedError, TicketData
from relais.helpdesk.models import Status

REQUEST_TYPE = 2  # GLPI ticket type: 1 incident, 2 request
STATUSES = {
    1: Status.NEW,  # new
    2: Status.IN_PROGRESS,  # processing (assigned)
    3: Status.IN_PROGRESS,  # processing (planned)
    4: Status.WAITING,  # pending
    5: Status.RESOLVED,  # solved
    6: Status.CLOSED,  # closed
}
# Legacy search options (listSearchOptions): Ticket 2 = ID, 87 = External ID; User 2 = ID, 5 = e-mail.
TICKET_ID, TICKET_EXTERNALID = "2", "87"
USER_ID, USER_EMAIL = "2", "5"
TOKEN_MARGIN_SECONDS = 30  # renew an OAuth token this long before GLPI says it expires


class GlpiConfigurationError(DeliveryError):
    """GLPI refused Relais' credentials or rights: an operator must fix a RELAIS_GLPI_* setting (retried meanwhile)."""


@dataclass(frozen=True)
class GlpiSettings:
    url: str
    app_token: str = ""
    user_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    username: str = ""
    password: str = ""
    entity_id: int = 0
    categories: tuple[tuple[str, str], ...] = ()
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> GlpiSettings:
        c = settings.RELAIS
        return cls(
            url=c.glpi_url,
            app_token=c.glpi_app_token,
            user_token=c.glpi_user_token,
            client_id=c.glpi_client_id,
            client_secret=c.glpi_client_secret,
            username=c.glpi_username,
            password=c.glpi_password,
            entity_id=c.glpi_entity_id,
            categories=c.glpi_categories,
            timeout=c.glpi_timeout,
        )

    @property
    def root(self) -> str:
        """GLPI's base address, whether RELAIS_GLPI_URL names it or one of its API entry points."""
        url = self.url.strip().rstrip("/")
        for suffix in ("/api.php/v2", "/api.php", "/apirest.php"):
            url = url.removesuffix(suffix)
        return url

    def category_id(self, category: str) -> int:
        """The ITIL category id mapped to this Relais category (RELAIS_GLPI_CATEGORIES), 0 when none."""
        raw = dict(self.categories).get(category, "0")
        try:
            return int(raw)
        except ValueError:
            return 0


def connector_from_settings() -> LegacyGlpiConnector | GlpiV2Connector:
    glpi = GlpiSettings.from_settings()
    if settings.RELAIS.glpi_api == "v2":
        return GlpiV2Connector(glpi)
    return LegacyGlpiConnector(glpi)


# --- content ---------------------------------------------------------------------------------


def as_html(text: str) -> str:
    """GLPI stores rich text: one paragraph per blank-line-separated block, line breaks kept."""
    blocks = [block for block in text.strip().split("\n\n") if block.strip()]
    return "".join("<p>" + html.escape(block.strip()).replace("\n", "<br>") + "</p>" for block in blocks)


def reference_line(key: str) -> str:
    """The line that identifies a follow-up as sent by Relais under this idempotency key."""
    return f"Réf. Relais : {key}"


def ticket_content(ticket: TicketData) -> str:
    lines = [
        f"Demande {ticket.reference} transmise par Relais, l'assistant des agents.",
        "",
        f"Demandeur : {ticket.requester_name} <{ticket.requester_email or 'sans e-mail'}>",
        "",
    ]
    if ticket.category:
        lines += [f"Catégorie Relais : {ticket.category}", ""]
    lines.append(ticket.description)
    if ticket.link:
        lines += ["", f"Suivi dans Relais : {ticket.link}"]
    return as_html("\n".join(lines))


def transcript_content(ticket: TicketData) -> str:
    lines = ["Conversation de l'agent avec l'assistant Relais avant la demande :", "", ticket.transcript or "—"]
    if ticket.sources:
        lines += ["", "Documents cités :"]
        lines += [f"• {s.get('document')} ({s.get('version') or 'version non précisée'})" for s in ticket.sources]
    lines += ["", reference_line(transcript_key(ticket.key))]
    return as_html("\n".join(lines))


def transcript_key(ticket_key: str) -> str:
    return f"{ticket_key}-transcript"


def followup_content(followup: FollowupData) -> str:
    text = f"{followup.body}\n\n— {followup.author_name}, via Relais\n\n{reference_line(followup.key)}"
    return as_html(text)


# --- HTTP ------------------------------------------------------------------------------------


class _Http:
    """One httpx client per connector call, with GLPI's timeout; transport failures become DeliveryError."""

    def __init__(self, glpi: GlpiSettings) -> None:
        self.glpi = glpi
        self.client = httpx.Client(timeout=httpx.Timeout(glpi.timeout, connect=glpi.timeout))

    def __enter__(self) -> _Http:
        return self

    def __exit__(self, *exc_info) -> None:
        self.client.close()

    def send(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise DeliveryError(
                f"GLPI did not answer {method} {url} within {self.glpi.timeout:g} s (RELAIS_GLPI_TIMEOUT); "
                "retried later"
            ) from exc
        except httpx.TransportError as exc:
            raise DeliveryError(
                f"GLPI unreachable ({method} {url}): {exc}; retried later (check RELAIS_GLPI_URL if it lasts)"
            ) from exc


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise DeliveryError(
            f"GLPI answered {response.status_code} with something that is not JSON at {response.request.url}; "
            "check RELAIS_GLPI_URL (GLPI's address, without /apirest.php or /api.php)"
        ) from exc


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _status_of(code: Any) -> str | None:
    number = _as_int(code)
    return STATUSES.get(number) if number is not None else None


# Module-level caches: a connector is built for each send, the session or token outlives it.
_cache_lock = threading.Lock()
_sessions: dict[tuple[str, str, str], str] = {}
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}


# --- legacy REST API (apirest.php) -----------------------------------------------------------

LEGACY_CONFIGURATION_ERRORS = {
    "ERROR_APP_TOKEN_PARAMETERS_MISSING": "GLPI requires an App-Token for its API: set RELAIS_GLPI_APP_TOKEN to the "
    "App-Token of the API client declared for Relais in GLPI (Setup > General > API)",
    "ERROR_WRONG_APP_TOKEN_PARAMETER": "GLPI does not know the App-Token in RELAIS_GLPI_APP_TOKEN: copy it again "
    "from the API client declared for Relais in GLPI (Setup > General > API)",
    "ERROR_GLPI_LOGIN_USER_TOKEN": "GLPI refused the user token in RELAIS_GLPI_USER_TOKEN: regenerate the API token "
    "of Relais' GLPI account (its preferences, « Remote access keys ») and set it",
    "ERROR_LOGIN_PARAMETERS_MISSING": "GLPI did not get a user token: set RELAIS_GLPI_USER_TOKEN to the API token "
    "of Relais' GLPI account",
    "ERROR_GLPI_LOGIN": "GLPI could not log in the account of RELAIS_GLPI_USER_TOKEN (disabled or deleted account?)",
    "ERROR_NOT_ALLOWED_IP": "GLPI does not accept API calls from this server's address: add it to the IP range of "
    "Relais' API client in GLPI (Setup > General > API)",
    "ERROR_RIGHT_MISSING": "The GLPI account of RELAIS_GLPI_USER_TOKEN lacks a right: its profile must create "
    "tickets and follow-ups in the entity RELAIS_GLPI_ENTITY_ID",
}
LEGACY_REFUSALS = {"ERROR_GLPI_ADD", "ERROR_GLPI_PARTIAL_ADD", "ERROR_BAD_ARRAY", "ERROR_ITEM_NOT_FOUND"}


def legacy_error(response: httpx.Response) -> tuple[str, str] | None:
    """GLPI's legacy error answer `["ERROR_…", "message"]`, or None."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, list) and body and isinstance(body[0], str) and body[0].startswith("ERROR"):
        return body[0], str(body[1]) if len(body) > 1 else ""
    return None


class _GlpiConnector:
    """What both APIs share: follow-ups and status by ticket id, over each API's own calls."""

    glpi: GlpiSettings
    ticket_path: str  # the ticket resource, followed by /{id}

    def _call(self, http: _Http, method: str, path: str, *, params=None, body=None, what: str = "") -> Any:
        raise NotImplementedError

    def _ensure_followup(self, http: _Http, ticket_id: int, key: str, content: str) -> int:
        raise NotImplementedError

    @staticmethod
    def _status_code(ticket: Any) -> Any:
        raise NotImplementedError

    def add_followup(self, followup: FollowupData) -> str:
        ticket_id = _as_int(followup.external_id)
        if ticket_id is None:
            raise RejectedError(f"Not a GLPI ticket id: {followup.external_id!r}")
        with _Http(self.glpi) as http:
            return str(self._ensure_followup(http, ticket_id, followup.key, followup_content(followup)))

    def status(self, external_id: str) -> str | None:
        ticket_id = _as_int(external_id)
        if ticket_id is None:
            return None
        with _Http(self.glpi) as http:
            try:
                found = self._call(http, "GET", f"{self.ticket_path}/{ticket_id}", what="the ticket")
            except RejectedError:
                return None  # deleted in GLPI: nothing to read back
        return _status_of(self._status_code(found))


class LegacyGlpiConnector(_GlpiConnector):
    """GLPI's REST API (`apirest.php`): initSession with App-Token and user token, then Session-Token calls."""

    name = "glpi"
    ticket_path = "Ticket"

    def __init__(self, glpi: GlpiSettings) -> None:
        self.glpi = glpi
        self.base = f"{glpi.root}/apirest.php"
        self.cache_key = (self.base, glpi.app_token, glpi.user_token)

    # session

    def _app_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.glpi.app_token:
            headers["App-Token"] = self.glpi.app_token
        return headers

    def _init_session(self, http: _Http) -> str:
        if not self.glpi.user_token:
            raise GlpiConfigurationError("RELAIS_GLPI_USER_TOKEN is empty: set it to the API token of Relais' account")
        headers = {**self._app_headers(), "Authorization": f"user_token {self.glpi.user_token}"}
        response = http.send("GET", f"{self.base}/initSession", headers=headers)
        self._raise_for(response, "initSession")
        token = (_json(response) or {}).get("session_token")
        if not token:
            raise DeliveryError("GLPI's initSession answered without a session_token")
        with _cache_lock:
            _sessions[self.cache_key] = token
        return token

    def _session(self, http: _Http) -> str:
        with _cache_lock:
            token = _sessions.get(self.cache_key)
        return token or self._init_session(http)

    def _forget(self, token: str) -> None:
        with _cache_lock:
            if _sessions.get(self.cache_key) == token:
                del _sessions[self.cache_key]

    def _call(self, http: _Http, method: str, path: str, *, params=None, body=None, what: str = "") -> Any:
        """One API call with the cached session; a session GLPI no longer knows is renewed once."""
        for renewed in (False, True):
            token = self._session(http)
            headers = {**self._app_headers(), "Session-Token": token}
            response = http.send(method, f"{self.base}/{path}", headers=headers, params=params, json=body)
            error = legacy_error(response)
            if error and error[0] == "ERROR_SESSION_TOKEN_INVALID" and not renewed:
                self._forget(token)
                continue
            self._raise_for(response, what or f"{method} {path}")
            return _json(response)
        raise AssertionError("unreachable")

    @staticmethod
    def _raise_for(response: httpx.Response, what: str) -> None:
        if response.status_code < 400:
            return
        code, message = legacy_error(response) or ("", response.text[:300])
        detail = f"GLPI answered {response.status_code} {code} to {what}: {message}".replace("  ", " ")
        if code in LEGACY_CONFIGURATION_ERRORS:
            raise GlpiConfigurationError(f"{LEGACY_CONFIGURATION_ERRORS[code]}. ({detail})")
        if code in LEGACY_REFUSALS:
            raise RejectedError(detail)
        raise DeliveryError(detail)  # 5xx, a session refused after renewal, anything unexpected: retried

    # lookups

    def find_ticket(self, http: _Http, key: str) -> int | None:
        """The GLPI ticket whose External ID is this idempotency key, if an earlier try created it."""
        params = [
            ("criteria[0][field]", TICKET_EXTERNALID),
            ("criteria[0][searchtype]", "contains"),
            ("criteria[0][value]", key),
            ("forcedisplay[0]", TICKET_ID),
            ("forcedisplay[1]", TICKET_EXTERNALID),
            ("range", "0-49"),
        ]
        found = self._call(http, "GET", "search/Ticket", params=params, what="the ticket search") or {}
        for row in _rows(found):
            if str(row.get(TICKET_EXTERNALID, "")) == key:
                return _as_int(row.get(TICKET_ID))
        return None

    def find_user(self, http: _Http, email: str) -> int | None:
        """The GLPI user with this e-mail when exactly one has it; None otherwise or when not allowed to look."""
        if not email:
            return None
        params = [
            ("criteria[0][field]", USER_EMAIL),
            ("criteria[0][searchtype]", "contains"),
            ("criteria[0][value]", email),
            ("forcedisplay[0]", USER_ID),
            ("forcedisplay[1]", USER_EMAIL),
            ("range", "0-9"),
        ]
        try:
            found = self._call(http, "GET", "search/User", params=params, what="the user search") or {}
        except (RejectedError, GlpiConfigurationError):
            return None  # no right to read users: the requester stays in the content only
        ids = {
            _as_int(row.get(USER_ID))
            for row in _rows(found)
            if email.lower() in (value.strip().lower() for value in _values(row.get(USER_EMAIL)))
        }
        ids.discard(None)
        return ids.pop() if len(ids) == 1 else None

    def _followup_with(self, http: _Http, ticket_id: int, key: str) -> int | None:
        followups = self._call(
            http, "GET", f"Ticket/{ticket_id}/ITILFollowup", params={"range": "0-999"}, what="the follow-up list"
        )
        for followup in followups or []:
            if isinstance(followup, dict) and reference_line(key) in html.unescape(str(followup.get("content", ""))):
                return _as_int(followup.get("id"))
        return None

    def _add(self, http: _Http, itemtype: str, fields: dict, what: str) -> int:
        answer = self._call(http, "POST", itemtype, body={"input": fields}, what=what)
        item_id = _as_int(answer.get("id")) if isinstance(answer, dict) else None
        if not item_id:
            message = answer.get("message", "") if isinstance(answer, dict) else answer
            raise RejectedError(f"GLPI did not create the {what}: {message}")
        return item_id

    def _ensure_followup(self, http: _Http, ticket_id: int, key: str, content: str) -> int:
        existing = self._followup_with(http, ticket_id, key)
        if existing:
            return existing
        fields = {"itemtype": "Ticket", "items_id": ticket_id, "content": content}
        return self._add(http, "ITILFollowup", fields, "follow-up")

    # HelpdeskConnector

    def open(self, ticket: TicketData) -> str:
        with _Http(self.glpi) as http:
            ticket_id = self.find_ticket(http, ticket.key)
            if ticket_id is None:
                fields = {
                    "name": ticket.title,
                    "content": ticket_content(ticket),
                    "itilcategories_id": self.glpi.category_id(ticket.category),
                    "urgency": ticket.urgency,
                    "type": REQUEST_TYPE,
                    "entities_id": self.glpi.entity_id,
                    "externalid": ticket.key,
                }
                requester = self.find_user(http, ticket.requester_email)
                if requester:
                    fields["_users_id_requester"] = requester
                ticket_id = self._add(http, "Ticket", fields, "ticket")
            if ticket.transcript or ticket.sources:
                self._ensure_followup(http, ticket_id, transcript_key(ticket.key), transcript_content(ticket))
        return str(ticket_id)

    @staticmethod
    def _status_code(ticket: Any) -> Any:
        return ticket.get("status") if isinstance(ticket, dict) else None


def _rows(search_answer: Any) -> list[dict]:
    """The rows of a legacy search answer: `data` is a list (or, withindexes, a dict by id); absent when empty."""
    data = search_answer.get("data") if isinstance(search_answer, dict) else None
    if isinstance(data, dict):
        data = list(data.values())
    return [row for row in data or [] if isinstance(row, dict)]


def _values(cell: Any) -> list[str]:
    """A search cell with one or several values (GLPI joins grouped values with `$#$`)."""
    if cell is None:
        return []
    if isinstance(cell, list):
        return [str(value) for value in cell]
    return str(cell).split("$#$")


# --- GLPI 11 high-level API (api.php/v2) -----------------------------------------------------

PASSWORD_GRANT_HINT = "GLPI's OAuth client for Relais must allow the « password » grant (Setup > OAuth clients)"
TOKEN_ERRORS = {
    "invalid_client": "GLPI refused the OAuth client: check RELAIS_GLPI_CLIENT_ID and RELAIS_GLPI_CLIENT_SECRET "
    "against the OAuth client declared for Relais in GLPI (Setup > OAuth clients)",
    "invalid_grant": "GLPI refused the account: check RELAIS_GLPI_USERNAME and RELAIS_GLPI_PASSWORD",
    "invalid_scope": "GLPI's OAuth client for Relais must allow the « api » scope (Setup > OAuth clients)",
    "unsupported_grant_type": PASSWORD_GRANT_HINT,
    "unauthorized_client": PASSWORD_GRANT_HINT,
}
TOKEN_ERROR_DEFAULT = (
    "GLPI refused Relais' OAuth credentials: check RELAIS_GLPI_CLIENT_ID, RELAIS_GLPI_CLIENT_SECRET, "
    "RELAIS_GLPI_USERNAME and RELAIS_GLPI_PASSWORD"
)


class GlpiV2Connector(_GlpiConnector):
    """GLPI 11's high-level API (`/api.php/v2`), authenticated by an OAuth2 password grant at `/api.php/token`."""

    name = "glpi"
    ticket_path = "Assistance/Ticket"

    def __init__(self, glpi: GlpiSettings) -> None:
        self.glpi = glpi
        self.token_url = f"{glpi.root}/api.php/token"
        self.base = f"{glpi.root}/api.php/v2"
        self.cache_key = (glpi.root, glpi.client_id, glpi.username)

    # token

    def _fetch_token(self, http: _Http) -> str:
        missing = [
            name
            for name, value in (
                ("RELAIS_GLPI_CLIENT_ID", self.glpi.client_id),
                ("RELAIS_GLPI_CLIENT_SECRET", self.glpi.client_secret),
                ("RELAIS_GLPI_USERNAME", self.glpi.username),
                ("RELAIS_GLPI_PASSWORD", self.glpi.password),
            )
            if not value
        ]
        if missing:
            raise GlpiConfigurationError(f"The GLPI 11 API needs {', '.join(missing)}: set them")
        form = {
            "grant_type": "password",
            "client_id": self.glpi.client_id,
            "client_secret": self.glpi.client_secret,
            "username": self.glpi.username,
            "password": self.glpi.password,
            "scope": "api",
        }
        response = http.send("POST", self.token_url, data=form, headers={"Accept": "application/json"})
        body = _json(response) if response.status_code < 500 else None
        if response.status_code >= 400:
            error = body.get("error", "") if isinstance(body, dict) else ""
            detail = f"GLPI answered {response.status_code} {error} to the token request".rstrip()
            if response.status_code >= 500:
                raise DeliveryError(f"{detail}; retried later")
            hint = TOKEN_ERRORS.get(error, TOKEN_ERROR_DEFAULT)
            raise GlpiConfigurationError(f"{hint}. ({detail})")
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise DeliveryError("GLPI's token endpoint answered without an access_token")
        lifetime = _as_int(body.get("expires_in")) or 3600
        with _cache_lock:
            _tokens[self.cache_key] = (token, time.monotonic() + lifetime - min(TOKEN_MARGIN_SECONDS, lifetime / 2))
        return token

    def _token(self, http: _Http) -> str:
        with _cache_lock:
            token, valid_until = _tokens.get(self.cache_key, ("", 0.0))
        if token and time.monotonic() < valid_until:
            return token
        return self._fetch_token(http)

    def _forget(self, token: str) -> None:
        with _cache_lock:
            if _tokens.get(self.cache_key, ("",))[0] == token:
                del _tokens[self.cache_key]

    def _call(self, http: _Http, method: str, path: str, *, params=None, body=None, what: str = "") -> Any:
        """One API call with the cached token; a token GLPI refuses (expired, revoked) is renewed once."""
        for renewed in (False, True):
            token = self._token(http)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            response = http.send(method, f"{self.base}/{path}", headers=headers, params=params, json=body)
            if _token_refused(response) and not renewed:
                self._forget(token)
                continue
            self._raise_for(response, what or f"{method} {path}")
            return _json(response)
        raise AssertionError("unreachable")

    @staticmethod
    def _raise_for(response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status < 400:
            return
        try:
            body = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        code, title = str(body.get("status") or ""), str(body.get("title") or "")
        messages = "; ".join(
            str(m.get("message")) for m in body.get("additional_messages") or [] if isinstance(m, dict)
        )
        detail = f"GLPI answered {status} {code} to {what}: {title} {messages}".strip()
        if status == 401 or _token_refused(response):
            raise DeliveryError(f"{detail} (a freshly issued access token was refused; retried later)")
        if status == 403:
            raise GlpiConfigurationError(
                f"The GLPI account of RELAIS_GLPI_USERNAME lacks a right: its profile must create tickets and "
                f"follow-ups in the entity RELAIS_GLPI_ENTITY_ID. ({detail})"
            )
        if status in (400, 404, 422):
            raise RejectedError(detail)
        if status >= 500 and code == "ERROR" and title.startswith("Failed to create"):
            raise RejectedError(detail)  # GLPI refused the item (the v2 form of ERROR_GLPI_ADD)
        raise DeliveryError(detail)

    # lookups

    def find_ticket(self, http: _Http, key: str) -> int | None:
        found = self._call(
            http, "GET", "Assistance/Ticket", params={"filter": f"external_id=={key}"}, what="the ticket search"
        )
        for ticket in found or []:
            if isinstance(ticket, dict) and str(ticket.get("external_id") or "") == key:
                return _as_int(ticket.get("id"))
        return None

    def _followup_with(self, http: _Http, ticket_id: int, key: str) -> int | None:
        entries = self._call(http, "GET", f"Assistance/Ticket/{ticket_id}/Timeline/Followup", what="the follow-up list")
        for entry in entries or []:
            item = entry.get("item", entry) if isinstance(entry, dict) else {}
            if isinstance(item, dict) and reference_line(key) in html.unescape(str(item.get("content", ""))):
                return _as_int(item.get("id"))
        return None

    def _create(self, http: _Http, path: str, body: dict, what: str) -> int:
        answer = self._call(http, "POST", path, body=body, what=what)
        item_id = _as_int(answer.get("id")) if isinstance(answer, dict) else None
        if not item_id:
            raise DeliveryError(f"GLPI answered the {what} creation without an id: {answer!r}")
        return item_id

    def _ensure_followup(self, http: _Http, ticket_id: int, key: str, content: str) -> int:
        existing = self._followup_with(http, ticket_id, key)
        if existing:
            return existing
        path = f"Assistance/Ticket/{ticket_id}/Timeline/Followup"
        return self._create(http, path, {"content": content}, "follow-up")

    # HelpdeskConnector

    def open(self, ticket: TicketData) -> str:
        with _Http(self.glpi) as http:
            ticket_id = self.find_ticket(http, ticket.key)
            if ticket_id is None:
                body = {
                    "name": ticket.title,
                    "content": ticket_content(ticket),
                    "category": self.glpi.category_id(ticket.category),
                    "urgency": ticket.urgency,
                    "type": REQUEST_TYPE,
                    "entity": self.glpi.entity_id,
                    "external_id": ticket.key,
                }
                ticket_id = self._create(http, "Assistance/Ticket", body, "ticket")
            if ticket.transcript or ticket.sources:
                self._ensure_followup(http, ticket_id, transcript_key(ticket.key), transcript_content(ticket))
        return str(ticket_id)

    @staticmethod
    def _status_code(ticket: Any) -> Any:
        status = ticket.get("status") if isinstance(ticket, dict) else None
        return status.get("id") if isinstance(status, dict) else status  # v2 nests it: {"id": 5, "name": …}


def _token_refused(response: httpx.Response) -> bool:
    """GLPI refuses an expired or revoked token with 401 (some 11.x versions: 400 « Invalid OAuth token »)."""
    if response.status_code == 401:
        return True
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("title") == "Invalid OAuth token"
