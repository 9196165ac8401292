"""Claims and userinfo answers shaped like ProConnect's.

ProConnect gives one scope per claim (given_name, usual_name, email, uid, siret, organizational_unit…) and signs
its userinfo answer: a JWT (application/jwt), not JSON. The people and their claims are read from the JSON file
the test wrote (OIDC_PROVIDER_PEOPLE) at every request, so that a test can change them between two sign-ins.
"""

import json
import os
from pathlib import Path

from django.conf import settings
from jwcrypto import jwt
from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict[str, dict]:
    entries = json.loads(Path(os.environ["OIDC_PROVIDER_PEOPLE"]).read_text(encoding="utf-8"))
    return {entry["username"]: entry for entry in entries}


class ProConnectLikeValidator(OAuth2Validator):
    oidc_claim_scope = {
        "sub": "openid",
        "idp_id": "openid",
        **{scope: scope for scope in settings.PROCONNECT_SCOPES},
    }

    def get_additional_claims(self, request):
        person = people()[request.user.username]
        claims = {key: person[key] for key in settings.PROCONNECT_SCOPES if key in person}
        return {**claims, "idp_id": "fi-test-valdebrume"}

    def get_userinfo_claims(self, request):
        claims = super().get_userinfo_claims(request)
        claims |= {"iss": settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"], "aud": request.client.client_id}
        key = request.client.jwk_key
        token = jwt.JWT(header=json.dumps({"alg": "RS256", "kid": key.thumbprint()}), claims=json.dumps(claims))
        token.make_signed_token(key)
        return token.serialize()  # a str: oauthlib answers it as application/jwt
