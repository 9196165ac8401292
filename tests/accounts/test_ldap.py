"""Sign-in against a real OpenLDAP server: Debian's slapd, started by these tests in a temporary folder.

The server gets its own cn=config (mdb database, schemas core/cosine/nis/inetorgperson), a bind account for
Relais, two agents and three groupOfNames groups; anonymous clients may only bind.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import ldap
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group

from relais.accounts.auth_config import AXES_BACKEND, LDAP_BACKEND, MODEL_BACKEND, auth_settings
from relais.accounts.directory import granted_groups, normalize_dn
from relais.accounts.roles import AGENT, REFERENT_DSI, REFERENT_RH
from relais.config import Config, ConfigError
from tests.processes import free_port, stop

SLAPD, SLAPADD, LDAPADD = (shutil.which(name, path="/usr/sbin:/usr/bin") for name in ("slapd", "slapadd", "ldapadd"))

SUFFIX = "dc=valdebrume,dc=example"
ROOT_DN, ROOT_PASSWORD = f"cn=admin,{SUFFIX}", "root-secret"
BIND_DN, BIND_PASSWORD = f"cn=relais,ou=services,{SUFFIX}", "relais-bind-secret"
PEOPLE, GROUPS = f"ou=people,{SUFFIX}", f"ou=groups,{SUFFIX}"
CAMILLE, PAUL = f"uid=camille.martin,{PEOPLE}", f"uid=paul.durand,{PEOPLE}"
PASSWORDS = {"camille.martin": "ldap-secret-1", "paul.durand": "ldap-secret-2"}

CONFIG_LDIF = """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {folder}/slapd.pid

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/nis.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcDbDirectory: {folder}/data
olcSuffix: {suffix}
olcRootDN: {root_dn}
olcRootPW: {root_password}
olcAccess: to attrs=userPassword by anonymous auth by self write by * none
olcAccess: to * by users read by * none
"""

DIRECTORY_LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: valdebrume
o: Mairie de Val-de-Brume

dn: ou=services,{SUFFIX}
objectClass: organizationalUnit
ou: services

dn: {BIND_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: relais
userPassword: {BIND_PASSWORD}

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: {CAMILLE}
objectClass: inetOrgPerson
uid: camille.martin
cn: Camille Martin
givenName: Camille
sn: Martin
mail: camille.martin@valdebrume.example
userPassword: {PASSWORDS["camille.martin"]}

dn: {PAUL}
objectClass: inetOrgPerson
uid: paul.durand
cn: Paul Durand
givenName: Paul
sn: Durand
mail: paul.durand@valdebrume.example
userPassword: {PASSWORDS["paul.durand"]}

dn: cn=rh,{GROUPS}
objectClass: groupOfNames
cn: rh
member: {CAMILLE}

dn: cn=dsi,{GROUPS}
objectClass: groupOfNames
cn: dsi
member: {PAUL}

dn: cn=agents,{GROUPS}
objectClass: groupOfNames
cn: agents
member: {CAMILLE}
member: {PAUL}
"""

# DNs spelt as an administrator might (upper case, spaces), CNs, and two Relais groups for one directory group.
GROUP_ROLES = (
    f"cn=rh,{GROUPS} => Référents RH; CN=DSI, OU=Groups, DC=valdebrume, DC=example => Référents DSI;"
    " agents => Agents; rh => Traitement RH"
)


class Slapd:
    def __init__(self, folder) -> None:
        self.folder = folder
        self.url = f"ldap://127.0.0.1:{free_port()}/"
        (folder / "config").mkdir()
        (folder / "data").mkdir()
        config = folder / "config.ldif"
        config.write_text(
            CONFIG_LDIF.format(folder=folder, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD),
            encoding="utf-8",
        )
        subprocess.run([SLAPADD, "-n", "0", "-F", folder / "config", "-l", config], check=True, capture_output=True)
        self.log = (folder / "slapd.log").open("wb")
        # -d 0: stays in the foreground (a child of the tests), logs nothing but errors.
        self.process = subprocess.Popen(
            [SLAPD, "-d", "0", "-F", folder / "config", "-h", self.url], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.wait_until_ready()
        data = folder / "directory.ldif"
        data.write_text(DIRECTORY_LDIF, encoding="utf-8")
        subprocess.run(
            [LDAPADD, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f", data],
            check=True,
            capture_output=True,
        )

    def connect(self):
        connection = ldap.initialize(self.url)
        connection.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return connection

    def wait_until_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {(self.folder / 'slapd.log').read_text(errors='replace')}")
            try:
                self.connect().unbind_s()
                return
            except ldap.SERVER_DOWN:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def modify(self, dn: str, changes: list[tuple[int, str, list[bytes]]]) -> None:
        connection = self.connect()
        try:
            connection.modify_s(dn, changes)
        finally:
            connection.unbind_s()

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    if not (SLAPD and SLAPADD and LDAPADD):
        pytest.skip("slapd not installed (make test installs it)")
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


def use_ldap(settings, url: str, **env: str) -> None:
    """The Django settings relais.settings would build from these RELAIS_* variables."""
    environ = {
        "RELAIS_LDAP_URL": url,
        "RELAIS_LDAP_BIND_DN": BIND_DN,
        "RELAIS_LDAP_BIND_PASSWORD": BIND_PASSWORD,
        "RELAIS_LDAP_USER_SEARCH_BASE": PEOPLE,
        "RELAIS_LDAP_GROUP_SEARCH_BASE": GROUPS,
        "RELAIS_LDAP_GROUP_ROLES": GROUP_ROLES,
        **env,
    }
    for name, value in auth_settings(Config.from_env(environ)).items():
        setattr(settings, name, value)


@pytest.fixture
def directory(settings, slapd):
    use_ldap(settings, slapd.url)
    return slapd


def group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


@pytest.mark.django_db
def test_directory_agent_signs_in_through_the_login_page(client, directory):
    response = client.post("/connexion/", {"username": "camille.martin", "password": PASSWORDS["camille.martin"]})
    assert response.status_code == 302 and client.session["_auth_user_backend"] == LDAP_BACKEND
    user = get_user_model().objects.get(username="camille.martin")
    assert (user.first_name, user.last_name, user.email) == ("Camille", "Martin", "camille.martin@valdebrume.example")
    assert group_names(user) == {AGENT, REFERENT_RH, "Traitement RH"}
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user.has_perm("knowledge.add_document")  # the role group came with its permissions
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_are_refused(client, directory):
    for username, password in [("camille.martin", "not-her-password"), ("nobody", "x"), ("camille.martin", "")]:
        response = client.post("/connexion/", {"username": username, "password": password})
        assert response.status_code == 200 and response.context["form"].errors
        assert not response.wsgi_request.user.is_authenticated
    assert not get_user_model().objects.exists()
    # The typed identifier goes into the search filter escaped: no LDAP filter injection.
    assert authenticate(username="*", password=PASSWORDS["camille.martin"]) is None


@pytest.mark.django_db
def test_directory_changes_are_applied_at_the_next_sign_in(directory):
    paul = authenticate(username="paul.durand", password=PASSWORDS["paul.durand"])
    assert group_names(paul) == {AGENT, REFERENT_DSI} and paul.is_staff
    handlers = Group.objects.create(name="Traitement DSI")  # given in Relais, not managed by the mapping
    paul.groups.add(handlers)

    directory.modify(f"cn=dsi,{GROUPS}", [(ldap.MOD_REPLACE, "member", [CAMILLE.encode()])])
    directory.modify(f"cn=rh,{GROUPS}", [(ldap.MOD_ADD, "member", [PAUL.encode()])])
    directory.modify(PAUL, [(ldap.MOD_REPLACE, "sn", [b"Durand-Leroy"])])
    paul = authenticate(username="paul.durand", password=PASSWORDS["paul.durand"])
    assert group_names(paul) == {AGENT, REFERENT_RH, "Traitement RH", "Traitement DSI"} and paul.is_staff
    assert paul.last_name == "Durand-Leroy"

    directory.modify(f"cn=rh,{GROUPS}", [(ldap.MOD_DELETE, "member", [PAUL.encode()])])
    paul = authenticate(username="paul.durand", password=PASSWORDS["paul.durand"])
    assert group_names(paul) == {AGENT, "Traitement DSI"} and not paul.is_staff


@pytest.mark.django_db
def test_ldap_down_keeps_local_accounts_and_refuses_directory_users_cleanly(client, settings):
    get_user_model().objects.create_user("agent.local", password="local-secret")
    use_ldap(settings, f"ldap://127.0.0.1:{free_port()}/")  # nothing listens there
    response = client.post("/connexion/", {"username": "camille.martin", "password": PASSWORDS["camille.martin"]})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    response = client.post("/connexion/", {"username": "agent.local", "password": "local-secret"})
    assert response.status_code == 302 and client.session["_auth_user_backend"] == MODEL_BACKEND


@pytest.mark.django_db
def test_a_second_server_takes_over_when_the_first_is_down(settings, directory):
    use_ldap(settings, f"ldap://127.0.0.1:{free_port()}/ {directory.url}")
    assert authenticate(username="camille.martin", password=PASSWORDS["camille.martin"]).email


@pytest.mark.django_db
def test_silent_ldap_server_is_given_up_after_the_timeout(settings):
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        use_ldap(settings, f"ldap://127.0.0.1:{silent.getsockname()[1]}/", RELAIS_LDAP_TIMEOUT="1")
        started = time.monotonic()
        assert authenticate(username="camille.martin", password=PASSWORDS["camille.martin"]) is None
        assert time.monotonic() - started < 5


@pytest.mark.django_db
def test_unreadable_groups_refuse_the_sign_in(settings, directory):
    use_ldap(settings, directory.url, RELAIS_LDAP_GROUP_SEARCH_BASE="ou=missing,dc=valdebrume,dc=example")
    assert authenticate(username="camille.martin", password=PASSWORDS["camille.martin"]) is None


def test_group_mapping_matches_dns_however_spelt_and_cns():
    roles = Config.from_env({"RELAIS_LDAP_GROUP_SEARCH_BASE": GROUPS, "RELAIS_LDAP_GROUP_ROLES": GROUP_ROLES})
    assert roles.ldap_group_roles[1] == ("CN=DSI, OU=Groups, DC=valdebrume, DC=example", REFERENT_DSI)
    managed, granted = granted_groups(roles.ldap_group_roles, [f"cn=dsi,{GROUPS}"], ["DSI"])
    assert managed == {REFERENT_RH, REFERENT_DSI, AGENT, "Traitement RH"} and granted == {REFERENT_DSI}
    assert normalize_dn("CN=Dupont\\, Jean , OU=People") == "cn=dupont\\, jean,ou=people"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_LDAP_GROUP_ROLES": "cn=rh => Référents RH"}, "RELAIS_LDAP_GROUP_SEARCH_BASE is required"),
        ({"RELAIS_LDAP_GROUP_SEARCH_BASE": GROUPS, "RELAIS_LDAP_GROUP_ROLES": "cn=rh = RH"}, "expected « DIRECTORY"),
        ({"RELAIS_LDAP_URL": "ldap://x"}, "RELAIS_LDAP_USER_SEARCH_BASE is required"),
        ({"RELAIS_LDAP_URL": "http://x", "RELAIS_LDAP_USER_SEARCH_BASE": PEOPLE}, "expected an ldap://"),
    ],
)
def test_bad_ldap_settings_fail_at_start(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


@pytest.mark.django_db
def test_unknown_relais_groups_are_logged_never_created(settings, directory, caplog):
    Group.objects.create(name="Élus")  # created by an administrator: may be mapped
    use_ldap(settings, directory.url, RELAIS_LDAP_GROUP_ROLES="rh => Chefs; rh => Élus; rh => Traitement Voirie")
    camille = authenticate(username="camille.martin", password=PASSWORDS["camille.martin"])
    assert group_names(camille) == {"Élus"} and not Group.objects.filter(name__in=["Chefs", "Traitement Voirie"])
    assert "unknown Relais groups, ignored: Chefs, Traitement Voirie" in caplog.text


def test_local_accounts_only_by_default():
    assert auth_settings(Config())["AUTHENTICATION_BACKENDS"] == [AXES_BACKEND, MODEL_BACKEND]
