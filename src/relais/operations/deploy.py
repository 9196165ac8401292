"""The deployment kit: systemd units, the nginx site and the env file, rendered for one server.

`relais deploy render` fills the templates of deploy_templates/ (shipped inside the package, so an installed
release renders them too) with the server's values. The placeholders are `{{ name }}`: nginx and systemd use
neither double braces nor Django's syntax, and a name without a value fails the rendering rather than leaving
a hole in a production file. docs/deploy.md walks through installing what comes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "deploy_templates"
PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")

# Rendered file -> template.
OUTPUTS: dict[str, str] = {
    "relais-web@.service": "relais-web@.service",
    "relais-worker@.service": "relais-worker@.service",
    "relais.target": "relais.target",
    "nginx-relais.conf": "nginx-site.conf",
    "relais.env": "relais.env",
}
# The secrets every deployment has, then those of optional features (commented out in the env file). Each is
# given as RELAIS_X_FILE: the value stays out of the environment file and of `systemctl show`.
SECRETS = ("secret_key", "database_url")
OPTIONAL_SECRETS = (
    "smtp_password",
    "ldap_bind_password",
    "oidc_client_secret",
    "glpi_app_token",
    "glpi_user_token",
    "glpi_client_secret",
    "glpi_password",
)


class DeployError(ValueError):
    """A value that would render a broken or unsafe file; the message names the option."""


@dataclass(frozen=True)
class DeployOptions:
    domain: str
    max_request_mb: int  # RELAIS_MAX_REQUEST_MB: nginx's client_max_body_size matches it
    app_servers: int = 2
    first_port: int = 8001
    workers: int = 1
    user: str = "relais"
    prefix: Path = Path("/opt/relais")  # the virtual environment: PREFIX/bin/relais
    data_dir: Path = Path("/var/lib/relais")
    config_dir: Path = Path("/etc/relais")
    certificate: Path = Path("/etc/ssl/relais/fullchain.pem")
    certificate_key: Path = Path("/etc/ssl/relais/privkey.pem")
    nginx_log_dir: Path = Path("/var/log/nginx")

    def __post_init__(self) -> None:
        if not DOMAIN.match(self.domain):
            raise DeployError(f"--domain {self.domain!r}: expected a host name such as relais.mairie-exemple.fr")
        if not USER.match(self.user):
            raise DeployError(f"--user {self.user!r}: expected a system user name such as relais")
        if not 1 <= self.app_servers <= 64 or not 1 <= self.workers <= 64:
            raise DeployError("--app-servers and --workers: between 1 and 64")
        if not 1024 <= self.first_port <= 65535 - self.app_servers:
            raise DeployError(f"--first-port {self.first_port}: expected a free port between 1024 and 65535")
        if self.max_request_mb < 1:
            raise DeployError(f"--max-request-mb {self.max_request_mb}: expected at least 1")
        for name in ("prefix", "data_dir", "config_dir", "certificate", "certificate_key", "nginx_log_dir"):
            path = str(getattr(self, name))
            # Absolute, and nothing that would end a directive or start a comment in the rendered files.
            if not path.startswith("/") or re.search(r"[\s;{}#'\"$%\\]", path):
                raise DeployError(f"--{name.replace('_', '-')} {path!r}: expected an absolute path without spaces")

    @property
    def ports(self) -> list[int]:
        return list(range(self.first_port, self.first_port + self.app_servers))

    @property
    def env_file(self) -> Path:
        return self.config_dir / "relais.env"

    @property
    def secrets_dir(self) -> Path:
        return self.config_dir / "secrets"


def _values(options: DeployOptions) -> dict[str, str]:
    units = [f"relais-web@{port}.service" for port in options.ports]
    units += [f"relais-worker@{n}.service" for n in range(1, options.workers + 1)]
    values = {
        "domain": options.domain,
        "user": options.user,
        "prefix": str(options.prefix),
        "data_dir": str(options.data_dir),
        "config_dir": str(options.config_dir),
        "env_file": str(options.env_file),
        "secrets_dir": str(options.secrets_dir),
        "certificate": str(options.certificate),
        "certificate_key": str(options.certificate_key),
        "nginx_log_dir": str(options.nginx_log_dir),
        "max_request_mb": str(options.max_request_mb),
        "first_port": str(options.first_port),
        "app_servers": str(options.app_servers),
        "workers": str(options.workers),
        "units": " ".join(units),
        "upstream_servers": "\n".join(f"    server 127.0.0.1:{port};" for port in options.ports),
        "optional_secrets": "\n".join(
            f"#RELAIS_{name.upper()}_FILE={options.secrets_dir}/{name}" for name in OPTIONAL_SECRETS
        ),
    }
    values["hardening"] = fill((TEMPLATES / "hardening.conf").read_text(encoding="utf-8"), values).rstrip("\n")
    return values


def fill(template: str, values: dict[str, str]) -> str:
    """template with every {{ name }} replaced; a name without a value is an error, never an empty string."""
    missing = sorted({name for name in PLACEHOLDER.findall(template) if name not in values})
    if missing:
        raise DeployError(f"template placeholders without a value: {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def render(options: DeployOptions) -> dict[str, str]:
    """The rendered files, by name."""
    values = _values(options)
    return {name: fill((TEMPLATES / source).read_text(encoding="utf-8"), values) for name, source in OUTPUTS.items()}


def write(options: DeployOptions, out: Path) -> list[Path]:
    """Render into out (created if needed); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(options).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)  # nothing secret in them, and `install` keeps the modes docs/deploy.md gives
        written.append(path)
    return written
