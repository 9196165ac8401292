from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.operations.deploy import DeployError, DeployOptions, write

NEXT_STEPS = """\
Next (docs/deploy.md, as root):
  install -m 0644 {out}/relais-web@.service {out}/relais-worker@.service {out}/relais.target /etc/systemd/system/
  install -m 0640 -g {user} {out}/relais.env {env_file}   # first install only: then merge by hand
  install -m 0644 {out}/nginx-relais.conf /etc/nginx/sites-available/relais
  ln -sf /etc/nginx/sites-available/relais /etc/nginx/sites-enabled/relais
  systemctl daemon-reload && systemctl enable --now relais.target
  nginx -t && systemctl reload nginx"""


class Command(BaseCommand):
    help = "Render the deployment kit (systemd units, nginx site, env file): `relais deploy render --out DIR`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        render = sub.add_parser("render", help="write the units, the nginx site and the env file into a folder")
        defaults = DeployOptions.__dataclass_fields__
        render.add_argument("--out", type=Path, required=True, help="folder for the rendered files")
        render.add_argument("--domain", required=True, help="public host name, e.g. relais.mairie-exemple.fr")
        render.add_argument("--app-servers", type=int, default=2, help="web server processes (default 2)")
        render.add_argument("--first-port", type=int, default=8001, help="port of the first one (default 8001)")
        render.add_argument("--workers", type=int, default=1, help="background workers (default 1)")
        render.add_argument("--user", default="relais", help="system user running Relais (default relais)")
        for name, meaning in [
            ("prefix", "virtual environment holding Relais (its bin/relais)"),
            ("data-dir", "RELAIS_DATA_DIR, the only folder the services may write"),
            ("config-dir", "folder of relais.env and secrets/"),
            ("certificate", "the town's TLS certificate, full chain, PEM"),
            ("certificate-key", "its private key, PEM"),
            ("nginx-log-dir", "folder of nginx's relais.access.log and relais.error.log"),
        ]:
            default = defaults[name.replace("-", "_")].default
            render.add_argument(f"--{name}", type=Path, default=default, help=f"{meaning} (default {default})")
        render.add_argument(
            "--max-request-mb",
            type=int,
            help="nginx's body limit (default: RELAIS_MAX_REQUEST_MB, written into the env file too)",
        )

    def handle(self, *args, **options) -> None:
        try:
            deploy = DeployOptions(
                domain=options["domain"],
                max_request_mb=options["max_request_mb"] or settings.RELAIS.max_request_mb,
                app_servers=options["app_servers"],
                first_port=options["first_port"],
                workers=options["workers"],
                user=options["user"],
                prefix=options["prefix"],
                data_dir=options["data_dir"],
                config_dir=options["config_dir"],
                certificate=options["certificate"],
                certificate_key=options["certificate_key"],
                nginx_log_dir=options["nginx_log_dir"],
            )
        except DeployError as exc:
            raise CommandError(str(exc)) from None
        for path in write(deploy, options["out"]):
            self.stdout.write(str(path))
        self.stdout.write(
            NEXT_STEPS.format(out=options["out"], user=deploy.user, env_file=deploy.env_file), style_func=None
        )
