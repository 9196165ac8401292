"""The deployment kit (`relais deploy render`), checked by the tools that will read it: `nginx -t` on the site,
`systemd-analyze verify` on the units; and the hashed static files WhiteNoise serves behind them.

`make test` installs nginx; systemd-analyze comes with systemd. A missing tool fails the test, never skips it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from relais.config import Config, env_name
from relais.operations.deploy import OPTIONAL_SECRETS, SECRETS, TEMPLATES, DeployOptions, render, write

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)  # its bin/relais is the ExecStart systemd-analyze checks


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")
    assert found, f"{name} is missing: `make test` installs it (apt-get install nginx systemd)"
    return found


def render_into(tmp_path: Path, **overrides) -> Path:
    values = {
        "domain": "relais.mairie-exemple.fr",
        "max_request_mb": 200,
        "prefix": VENV,
        "data_dir": tmp_path / "data",
        "config_dir": tmp_path / "etc",
        "certificate": tmp_path / "tls" / "fullchain.pem",
        "certificate_key": tmp_path / "tls" / "privkey.pem",
        "nginx_log_dir": tmp_path / "log",
    } | overrides
    out = tmp_path / "out"
    write(DeployOptions(**values), out)
    return out


def self_signed(folder: Path, domain: str) -> None:
    """A throwaway certificate for nginx -t, which loads the certificate and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def nginx_test(tmp_path: Path, site: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on a minimal nginx.conf including the site, as Debian's nginx.conf includes sites-enabled/*,
    with every path nginx writes to under tmp_path (runs as any user)."""
    run = tmp_path / "nginx"
    run.mkdir()
    (tmp_path / "log").mkdir(exist_ok=True)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {run}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = run / "nginx.conf"
    conf.write_text(
        f"pid {run}/nginx.pid;\nerror_log {run}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log {run}/access.log;\n{temp_paths}\n    include {site};\n}}\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [tool("nginx"), "-t", "-p", str(run), "-c", str(conf), "-e", str(run / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def systemd_verify(*units: Path) -> subprocess.CompletedProcess:
    # Works without systemd as PID 1 (a container): it loads the files offline. A wrong key or value is only a
    # warning (exit 0), so the callers require an empty stderr as well.
    return subprocess.run(
        [tool("systemd-analyze"), "verify", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SYSTEMD_LOG_COLOR": "0"},
    )


def block(text: str, opening: str) -> str:
    """The body of the nginx block that starts with opening (no nested blocks in ours)."""
    start = text.index(opening + " {")
    return text[start : text.index("}", start)]


def test_nginx_accepts_the_rendered_site(tmp_path):
    out = render_into(tmp_path)
    self_signed(tmp_path / "tls", "relais.mairie-exemple.fr")
    result = nginx_test(tmp_path, out / "nginx-relais.conf")
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


def test_nginx_refuses_a_site_whose_certificate_is_missing(tmp_path):
    # The check above can fail: the same site, without the certificate files it names.
    out = render_into(tmp_path)
    result = nginx_test(tmp_path, out / "nginx-relais.conf")
    assert result.returncode != 0 and "fullchain.pem" in result.stderr


def test_systemd_accepts_the_rendered_units(tmp_path):
    out = render_into(tmp_path, app_servers=2, workers=2)
    # Instances of the templates, and the target that wants them (systemd-analyze finds them beside it).
    result = systemd_verify(out / "relais-web@8001.service", out / "relais-worker@1.service", out / "relais.target")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_systemd_refuses_a_unit_whose_program_is_missing(tmp_path):
    out = render_into(tmp_path, prefix=tmp_path / "no-venv")
    result = systemd_verify(out / "relais-web@8001.service")
    assert result.returncode != 0 and "is not executable" in result.stderr


def test_the_units_restart_and_stay_confined(tmp_path):
    out = render_into(tmp_path)
    for name, command in [
        ("relais-web@.service", "serve --no-worker --host 127.0.0.1 --port %i"),
        ("relais-worker@.service", "worker"),
    ]:
        unit = (out / name).read_text(encoding="utf-8")
        assert f"ExecStart={VENV}/bin/relais {command}\n" in unit
        for line in ["Restart=on-failure", "User=relais", f"EnvironmentFile={tmp_path}/etc/relais.env", "UMask=0077",
                     "NoNewPrivileges=yes", "ProtectSystem=strict", f"ReadWritePaths={tmp_path}/data", "PrivateTmp=yes",
                     "PartOf=relais.target"]:  # fmt: skip
            assert f"\n{line}\n" in unit, (name, line)


def test_one_upstream_server_and_one_unit_per_process(tmp_path):
    out = render_into(tmp_path, app_servers=3, first_port=9001, workers=2)
    upstream = block((out / "nginx-relais.conf").read_text(encoding="utf-8"), "upstream relais")
    assert re.findall(r"server (\S+);", upstream) == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    wants = re.search(r"^Wants=(.*)$", (out / "relais.target").read_text(encoding="utf-8"), re.MULTILINE)
    assert wants and wants.group(1).split() == [
        "relais-web@9001.service", "relais-web@9002.service", "relais-web@9003.service",
        "relais-worker@1.service", "relais-worker@2.service",
    ]  # fmt: skip


def test_the_site_streams_answers_and_forwards_the_client(tmp_path):
    site = (render_into(tmp_path) / "nginx-relais.conf").read_text(encoding="utf-8")
    stream = block(site, f"location = {reverse('ask_stream')}")  # the SSE route, as urls.py names it
    assert "proxy_buffering off;" in stream and "proxy_pass http://relais;" in stream
    assert "proxy_buffering off" not in block(site, "location /")  # the rest keeps nginx's buffering
    for header in [
        "Host $host",
        "X-Forwarded-For $remote_addr",
        "X-Forwarded-Proto $scheme",
        "X-Request-ID $request_id",
    ]:
        assert f"proxy_set_header {header};" in site
    plain = block(site, "server")  # the first server: port 80, a redirect to HTTPS and nothing proxied
    assert "listen 80;" in plain and "return 301 https://relais.mairie-exemple.fr$request_uri;" in site
    assert "proxy_pass" not in plain
    assert f"ssl_certificate {tmp_path}/tls/fullchain.pem;" in site
    assert f"ssl_certificate_key {tmp_path}/tls/privkey.pem;" in site


def test_the_body_limit_and_the_env_file_follow_the_settings(tmp_path):
    out = tmp_path / "out"
    call_command("deploy", "render", "--out", str(out), "--domain", "relais.mairie-exemple.fr", stdout=StringIO())
    limit = settings.RELAIS.max_request_mb
    assert f"\n    client_max_body_size {limit}m;\n" in (out / "nginx-relais.conf").read_text(encoding="utf-8")
    env = (out / "relais.env").read_text(encoding="utf-8")
    assert f"\nRELAIS_MAX_REQUEST_MB={limit}\n" in env
    assert "\nRELAIS_SITE_URL=https://relais.mairie-exemple.fr\n" in env
    assert "\nRELAIS_TRUSTED_PROXIES=127.0.0.1\n" in env


def test_every_secret_is_read_from_a_file(tmp_path):
    env = (render_into(tmp_path) / "relais.env").read_text(encoding="utf-8")
    fields = {spec.name for spec in Config.__dataclass_fields__.values()}
    for name in SECRETS + OPTIONAL_SECRETS:
        assert name in fields, f"{name}: not a Relais setting"
        variable = env_name(name)
        line = f"{variable}_FILE={tmp_path}/etc/secrets/{name}\n"
        assert f"\n{line}" in env if name in SECRETS else f"\n#{line}" in env
        assert not re.search(rf"^#?{variable}=", env, re.MULTILINE), f"{variable} given in clear"
    # And the settings it sets are read as they are written.
    values = dict(line.split("=", 1) for line in env.splitlines() if line and not line.startswith("#"))
    (tmp_path / "etc" / "secrets").mkdir(parents=True)
    (tmp_path / "etc" / "secrets" / "secret_key").write_text("k" * 20 + "-random-enough-0123456789\n", encoding="utf-8")
    (tmp_path / "etc" / "secrets" / "database_url").write_text("", encoding="utf-8")  # SQLite
    config = Config.from_env(values)
    assert config.https and config.trusted_proxies == ("127.0.0.1",) and config.database_url == ""
    assert config.secret_key == "k" * 20 + "-random-enough-0123456789"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--domain", "relais.example.fr; include /etc/passwd"), ("--data-dir", "relative/data"),
     ("--prefix", "/opt/re lais"), ("--user", "Root!"), ("--app-servers", "0")],
)  # fmt: skip
def test_unsafe_values_are_refused(tmp_path, option, value):
    args = {"--domain": "relais.example.fr", option: value}
    with pytest.raises(CommandError, match=option):
        call_command("deploy", "render", "--out", str(tmp_path), *[x for pair in args.items() for x in pair])
    assert not any(tmp_path.iterdir())


def test_the_templates_ship_with_the_package():
    # `relais deploy render` runs from an installed release: pyproject's package-data must carry the templates.
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["relais"]
    package = ROOT / "src" / "relais"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    missing = [path.name for path in TEMPLATES.iterdir() if path not in shipped]
    assert not missing, f"add a package-data pattern for operations/deploy_templates/ to pyproject.toml: {missing}"
    assert set(render(DeployOptions(domain="relais.example.fr", max_request_mb=1)))  # every template renders


def test_static_files_are_hashed_compressed_and_cached_for_good(tmp_path):
    # Production's storage (tests/settings.py keeps plain names: templates render there without collectstatic).
    production = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=production, STATIC_ROOT=tmp_path / "static"):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.templatetags.static import static

        url = static("admin/css/base.css")
        assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", url)
        assert (tmp_path / "static" / url.removeprefix("/static/")).with_suffix(".css.gz").is_file()
        response = Client().get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
        assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
