"""Fake GLPI: a local implementation of GLPI's documented REST endpoints
(legacy apirest.php and GLPI 11 /api.php/v2), for tests — not GLPI.

GLPI cannot run in the test environment, so the glpi connector is tested against this
real HTTP server (stdlib `ThreadingHTTPServer` on 127.0.0.1), written from GLPI's API
documentation (apirest.md) and the high-level API's schemas. It keeps tickets,
follow-ups and users in memory and implements only what Relais uses:

Legacy (`/apirest.php`): `GET initSession` (App-Token header, `Authorization: user_token …`),
`GET killSession`, `GET search/Ticket` and `GET search/User` (criteria, forcedisplay),
`GET Ticket/:id`, `GET Ticket/:id/ITILFollowup`, `POST Ticket` and `POST ITILFollowup`
(`{"input": {...}}` → 201 `{"id": N, "message": ""}`); errors as GLPI's arrays
`["ERROR_…", "message"]`: ERROR_APP_TOKEN_PARAMETERS_MISSING, ERROR_WRONG_APP_TOKEN_PARAMETER,
ERROR_LOGIN_PARAMETERS_MISSING, ERROR_GLPI_LOGIN_USER_TOKEN, ERROR_SESSION_TOKEN_MISSING,
ERROR_SESSION_TOKEN_INVALID (401), ERROR_ITEM_NOT_FOUND (404), ERROR_BAD_ARRAY, ERROR_GLPI_ADD.

GLPI 11 (`/api.php`): `POST /api.php/token` (OAuth2 password grant, form-encoded; errors
`invalid_client` 401, `invalid_grant` / `invalid_scope` / `unsupported_grant_type` 400), and
under `/api.php/v2` with `Authorization: Bearer …`: `GET /Assistance/Ticket?filter=…` (RSQL
`field==value` joined by `;`), `GET /Assistance/Ticket/{id}`, `POST /Assistance/Ticket`,
`GET|POST /Assistance/Ticket/{id}/Timeline/Followup`; an unknown or expired token answers 401
`ERROR_UNAUTHENTICATED` (or, with `expired_token_status = 400`, 400 « Invalid OAuth token », as some
11.x versions do); a refused creation answers 500 `{"status": "ERROR", "title": "Failed to create item(s)"}`.

Fault injection: `fail_next(n)` (answer 500), `delay_next_ticket_post(s)` (store the ticket, then
answer too late for the client), `refuse_next_add(msg)`, `invalidate_sessions()`,
`break_sessions()`, `expire_tokens()`, and `stop()` / `start()` on the same port.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.processes import free_port

STATUS_NAMES = {1: "New", 2: "Processing (assigned)", 3: "Processing (planned)", 4: "Pending", 5: "Solved", 6: "Closed"}
# Legacy search options used by Relais: Ticket 1 name, 2 id, 12 status, 87 externalid; User 1 login, 2 id, 5 e-mail.
TICKET_SEARCH = {"1": "name", "2": "id", "12": "status", "87": "externalid"}
USER_SEARCH = {"1": "name", "2": "id", "5": "email"}

Answer = tuple[int, dict[str, str], object]


def _legacy_error(status: int, code: str, message: str) -> Answer:
    return status, {}, [code, message]


def _v2_error(status: int, code: str, title: str, detail: str | None = None, messages: list[str] = ()) -> Answer:
    body: dict = {"status": code, "title": title, "detail": detail}
    if messages:
        body["additional_messages"] = [{"priority": "error", "message": m} for m in messages]
    return status, {}, body


OAUTH_ERRORS = {  # league/oauth2-server's answers, which GLPI's /token endpoint returns
    "unsupported_grant_type": (400, "The authorization grant type is not supported by the authorization server."),
    "invalid_client": (401, "Client authentication failed"),
    "invalid_grant": (400, "The user credentials were incorrect."),
    "invalid_scope": (400, "The requested scope is invalid, unknown, or malformed"),
}
UNAUTHENTICATED: Answer = (
    401,
    {},
    {
        "title": "You are not authenticated",
        "detail": "The Authorization header is missing or invalid",
        "status": "ERROR_UNAUTHENTICATED",
    },
)


def _oauth_error(error: str) -> Answer:
    status, description = OAUTH_ERRORS[error]
    return status, {}, {"error": error, "error_description": description, "message": description}


def _dropdown_id(value) -> int:
    if isinstance(value, dict):
        value = value.get("id", 0)
    return int(value or 0)


class FakeGlpi:
    """The fake GLPI; `url` is its base address (what RELAIS_GLPI_URL would hold)."""

    def __init__(
        self,
        *,
        app_token: str = "app-token-relais",
        user_token: str = "user-token-relais",
        client_id: str = "relais-client",
        client_secret: str = "relais-secret",
        username: str = "relais",
        password: str = "relais-password",
        token_lifetime: int = 3600,
    ) -> None:
        self.port = free_port()
        self.app_token, self.user_token = app_token, user_token
        self.client_id, self.client_secret = client_id, client_secret
        self.username, self.password = username, password
        self.token_lifetime = token_lifetime
        self.expired_token_status = 401
        self.lock = threading.Lock()
        self.tickets: dict[int, dict] = {}
        self.followups: dict[int, dict] = {}
        self.users: dict[int, dict] = {2: {"id": 2, "name": "relais", "email": "relais@valdebrume.example"}}
        self.sessions: set[str] = set()
        self.sessions_broken = False
        self.access_tokens: dict[str, float] = {}
        self.requests: list[tuple[str, str]] = []
        self._next_id = {"ticket": 1, "followup": 1, "user": 10}
        self._failures: list[int] = []
        self._ticket_delay = 0.0
        self._refusal: str | None = None
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, headers, payload = fake.handle(method, self.path, self.headers, body)
                    data = json.dumps(payload).encode() if payload is not None else b""
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json; charset=UTF-8", **headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): GLPI would have done the work all the same

            def log_message(self, format, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address) -> None:
                pass

        self._released.clear()
        self._server = Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """GLPI down: nothing listens on the port any more (sessions and tokens survive, like GLPI's)."""
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # fault injection and test helpers

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        with self.lock:
            self._failures += [status] * count

    def delay_next_ticket_post(self, seconds: float) -> None:
        """The next POST of a ticket (either API) stores it, then waits this long before answering."""
        self._ticket_delay = seconds

    def refuse_next_add(self, message: str = "Mandatory field missing") -> None:
        self._refusal = message

    def invalidate_sessions(self) -> None:
        """GLPI forgot the current sessions (expired, restarted PHP sessions): the next call must re-init."""
        with self.lock:
            self.sessions.clear()

    def break_sessions(self) -> None:
        """Every Session-Token is refused, even a fresh one."""
        self.sessions_broken = True

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens = dict.fromkeys(self.access_tokens, 0.0)

    def add_user(self, login: str, email: str) -> int:
        with self.lock:
            user_id = self._new_id("user")
            self.users[user_id] = {"id": user_id, "name": login, "email": email}
        return user_id

    def set_status(self, ticket_id: int, status: int) -> None:
        self.tickets[ticket_id]["status"] = status

    def followups_of(self, ticket_id: int) -> list[dict]:
        return [f for f in self.followups.values() if f["itemtype"] == "Ticket" and f["items_id"] == ticket_id]

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p == path)

    def _new_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] += 1
        return value

    # dispatch

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> Answer:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qsl(parts.query, keep_blank_values=True)
        with self.lock:
            self.requests.append((method, path))
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            return failure, {}, None  # like a PHP fatal error behind the web server
        if path.startswith("/apirest.php/"):
            return self._legacy(method, path.removeprefix("/apirest.php/").strip("/"), query, headers, body)
        if path == "/api.php/token" and method == "POST":
            return self._token(body)
        if path.startswith("/api.php/v2/"):
            return self._v2(method, path.removeprefix("/api.php/v2/").strip("/"), query, headers, body)
        return 404, {}, None

    def _store_ticket(self, fields: dict) -> int:
        with self.lock:
            ticket_id = self._new_id("ticket")
            self.tickets[ticket_id] = {"id": ticket_id, "status": 1, **fields}
        delay, self._ticket_delay = self._ticket_delay, 0.0
        if delay:
            self._released.wait(delay)  # stored, but the answer comes after the client's timeout
        return ticket_id

    def _store_followup(self, ticket_id: int, content: str) -> int:
        with self.lock:
            followup_id = self._new_id("followup")
            self.followups[followup_id] = {
                "id": followup_id,
                "itemtype": "Ticket",
                "items_id": ticket_id,
                "content": content,
                "is_private": 0,
            }
        return followup_id

    def _take_refusal(self) -> str | None:
        refusal, self._refusal = self._refusal, None
        return refusal

    # legacy apirest.php

    def _legacy(self, method: str, endpoint: str, query, headers, body: bytes) -> Answer:
        app_token = headers.get("App-Token") or dict(query).get("app_token")
        if self.app_token and not app_token:
            return _legacy_error(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing parameter app_token")
        if self.app_token and app_token != self.app_token:
            return _legacy_error(400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong")
        if endpoint == "initSession" and method == "GET":
            return self._init_session(headers.get("Authorization", ""))
        session = headers.get("Session-Token") or dict(query).get("session_token")
        if not session:
            return _legacy_error(400, "ERROR_SESSION_TOKEN_MISSING", "parameter session_token is missing or empty")
        if self.sessions_broken or session not in self.sessions:
            return _legacy_error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
        segments = endpoint.split("/")
        if method == "GET" and endpoint == "killSession":
            self.sessions.discard(session)
            return 200, {}, None
        if method == "GET" and segments[0] == "search" and len(segments) == 2:
            return self._legacy_search(segments[1], query)
        if method == "GET" and segments[0] == "Ticket" and len(segments) >= 2 and segments[1].isdigit():
            ticket = self.tickets.get(int(segments[1]))
            if ticket is None:
                return _legacy_error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
            if len(segments) == 2:
                return 200, {}, {**ticket, "links": []}
            if segments[2:] == ["ITILFollowup"]:
                return 200, {}, self.followups_of(ticket["id"])
        if method == "POST" and endpoint in {"Ticket", "ITILFollowup"}:
            return self._legacy_add(endpoint, body)
        return _legacy_error(400, "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM", "resource not found or not CommonDBTM")

    def _init_session(self, authorization: str) -> Answer:
        scheme, _, credential = authorization.partition(" ")
        if scheme != "user_token" or not credential:
            return _legacy_error(400, "ERROR_LOGIN_PARAMETERS_MISSING", "login, password or user_token missing")
        if credential != self.user_token:
            return _legacy_error(401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid")
        token = secrets.token_hex(20)
        with self.lock:
            self.sessions.add(token)
        return 200, {}, {"session_token": token}

    def _legacy_search(self, itemtype: str, query) -> Answer:
        options, rows = {"Ticket": (TICKET_SEARCH, self.tickets), "User": (USER_SEARCH, self.users)}.get(
            itemtype, (None, None)
        )
        if options is None:
            return _legacy_error(400, "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM", "itemtype not found")
        criteria: dict[str, dict[str, str]] = {}
        display = ["1", "2"]
        for name, value in query:
            if name.startswith("criteria["):
                index, _, rest = name.removeprefix("criteria[").partition("][")
                criteria.setdefault(index, {})[rest.rstrip("]")] = value
            elif name.startswith("forcedisplay["):
                display.append(value)
        matches = []
        for item in rows.values():
            keep = True
            for criterion in criteria.values():
                field = options.get(criterion.get("field", ""))
                actual = str(item.get(field, "")).lower() if field else ""
                wanted = criterion.get("value", "").lower()
                if criterion.get("searchtype") == "equals":
                    keep = keep and actual == wanted
                else:  # contains
                    keep = keep and wanted in actual
            if keep:
                matches.append({column: item.get(options[column]) for column in display if column in options})
        answer: dict = {"totalcount": len(matches), "count": len(matches), "sort": [1], "order": ["ASC"]}
        if matches:  # left out when nothing matched, so the client must cope with an answer without `data`
            answer["data"] = matches
        return 200, {"Content-Range": f"0-{max(len(matches) - 1, 0)}/{len(matches)}"}, answer

    def _legacy_add(self, itemtype: str, body: bytes) -> Answer:
        try:
            fields = json.loads(body or b"{}").get("input")
        except (ValueError, AttributeError):
            fields = None
        if not isinstance(fields, dict):
            return _legacy_error(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects")
        refusal = self._take_refusal()
        if refusal:
            return _legacy_error(400, "ERROR_GLPI_ADD", refusal)
        if itemtype == "Ticket":
            if not fields.get("content") and not fields.get("name"):
                return _legacy_error(400, "ERROR_GLPI_ADD", "Title or description is mandatory")
            stored = {k: v for k, v in fields.items() if not k.startswith("_")}
            if "_users_id_requester" in fields:
                stored["users_id_requester"] = fields["_users_id_requester"]
            item_id = self._store_ticket(stored)
        else:
            ticket_id = int(fields.get("items_id") or 0)
            if fields.get("itemtype") != "Ticket" or ticket_id not in self.tickets:
                return _legacy_error(400, "ERROR_GLPI_ADD", "You don't have permission to perform this action.")
            item_id = self._store_followup(ticket_id, str(fields.get("content", "")))
        return 201, {"Location": f"{self.url}/apirest.php/{itemtype}/{item_id}"}, {"id": item_id, "message": ""}

    # GLPI 11: OAuth2 token and /api.php/v2

    def _token(self, body: bytes) -> Answer:
        form = dict(parse_qsl(body.decode()))
        if form.get("grant_type") != "password":
            return _oauth_error("unsupported_grant_type")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _oauth_error("invalid_client")
        if form.get("username") != self.username or form.get("password") != self.password:
            return _oauth_error("invalid_grant")
        if "api" not in form.get("scope", "").split():
            return _oauth_error("invalid_scope")
        token = secrets.token_hex(24)
        with self.lock:
            self.access_tokens[token] = time.monotonic() + self.token_lifetime
        return 200, {}, {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token}

    def _v2(self, method: str, route: str, query, headers, body: bytes) -> Answer:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return UNAUTHENTICATED
        if self.access_tokens.get(token, 0.0) <= time.monotonic():
            if self.expired_token_status == 400:
                return _v2_error(400, "ERROR_INVALID_PARAMETER", "Invalid OAuth token", "The access token is expired")
            return UNAUTHENTICATED
        segments = route.split("/")
        if segments[:2] != ["Assistance", "Ticket"]:
            return 404, {}, None
        rest = segments[2:]
        if not rest and method == "GET":
            return self._v2_search(dict(query).get("filter", ""))
        if not rest and method == "POST":
            return self._v2_create_ticket(body)
        if not rest[0].isdigit():
            return 404, {}, None
        ticket = self.tickets.get(int(rest[0]))
        if ticket is None:
            return _v2_error(404, "ERROR_ITEM_NOT_FOUND", "Not found")
        if len(rest) == 1 and method == "GET":
            return 200, {}, self._v2_ticket(ticket)
        if rest[1:] == ["Timeline", "Followup"] and method == "GET":
            return 200, {}, [{"type": "Followup", "item": f} for f in self.followups_of(ticket["id"])]
        if rest[1:] == ["Timeline", "Followup"] and method == "POST":
            data = self._json_body(body)
            if data is None:
                return _v2_error(400, "ERROR", "Invalid JSON body")
            refusal = self._take_refusal()
            if refusal:
                return _v2_error(500, "ERROR", "Failed to create item(s)", messages=[refusal])
            followup_id = self._store_followup(ticket["id"], str(data.get("content", "")))
            href = f"/Assistance/Ticket/{ticket['id']}/Timeline/Followup/{followup_id}"
            return 201, {"Location": href}, {"id": followup_id, "href": href}
        return 404, {}, None

    @staticmethod
    def _json_body(body: bytes) -> dict | None:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _v2_ticket(self, ticket: dict) -> dict:
        status = int(ticket.get("status", 1))
        return {
            "id": ticket["id"],
            "name": ticket.get("name", ""),
            "content": ticket.get("content", ""),
            "is_deleted": False,
            "category": {"id": ticket.get("itilcategories_id", 0), "name": ""},
            "urgency": ticket.get("urgency", 3),
            "type": ticket.get("type", 1),
            "external_id": ticket.get("externalid", ""),
            "status": {"id": status, "name": STATUS_NAMES.get(status, "")},
            "entity": {"id": ticket.get("entities_id", 0), "name": "Root entity"},
        }

    def _v2_search(self, rsql: str) -> Answer:
        fields = {"id": "id", "name": "name", "external_id": "externalid"}
        conditions = []
        for part in filter(None, rsql.split(";")):
            name, sep, value = part.partition("==")
            if not sep or name not in fields:
                return _v2_error(400, "ERROR_INVALID_PARAMETER", "RSQL query has an invalid filter", part)
            conditions.append((fields[name], value.strip('"')))
        found = [
            self._v2_ticket(t)
            for t in self.tickets.values()
            if all(str(t.get(field, "")) == value for field, value in conditions)
        ]
        return 200, {"Content-Range": f"0-{max(len(found) - 1, 0)}/{len(found)}"}, found

    def _v2_create_ticket(self, body: bytes) -> Answer:
        data = self._json_body(body)
        if data is None:
            return _v2_error(400, "ERROR", "Invalid JSON body")
        refusal = self._take_refusal()
        if refusal:
            return _v2_error(500, "ERROR", "Failed to create item(s)", messages=[refusal])
        if not data.get("content") and not data.get("name"):
            return _v2_error(500, "ERROR", "Failed to create item(s)", messages=["Title or description is mandatory"])
        fields = {
            "name": data.get("name", ""),
            "content": data.get("content", ""),
            "itilcategories_id": _dropdown_id(data.get("category")),
            "urgency": int(data.get("urgency") or 3),
            "type": int(data.get("type") or 1),
            "entities_id": _dropdown_id(data.get("entity")),
            "externalid": data.get("external_id", ""),
        }
        ticket_id = self._store_ticket(fields)
        href = f"/Assistance/Ticket/{ticket_id}"
        return 201, {"Location": href}, {"id": ticket_id, "href": href}
