"""A relying party built on authlib (OAuth 2.0 client: code + PKCE, refresh, revocation, introspection,
client_credentials) with ID tokens validated by joserfc (authlib's JOSE library) against the JWKS, for
RS256, ES256 and EdDSA. Used unmodified."""

import secrets

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from common import Redirect, serve, settings

S = settings()
META = requests.get(S["issuer"] + "/.well-known/openid-configuration", timeout=10).json()
assert META["issuer"] == S["issuer"], "discovery names another issuer"
pending = {}
sessions = {}


def session(name, token=None, scope="openid profile email offline_access"):
    c = S["clients"][name]
    auth = "client_secret_basic" if c.get("secret") else "none"
    return OAuth2Session(
        client_id=c["id"],
        client_secret=c.get("secret"),
        token_endpoint_auth_method=auth,
        revocation_endpoint_auth_method=auth,
        scope=scope,
        redirect_uri=S["base"] + "/callback",
        code_challenge_method="S256",
        token=token,
    )


def validate_id_token(name, id_token, nonce=None):
    c = S["clients"][name]
    keys = KeySet.import_key_set(requests.get(META["jwks_uri"], timeout=10).json())
    token = jwt.decode(id_token, keys, algorithms=[c["alg"]])
    expected = {
        "iss": {"essential": True, "value": S["issuer"]},
        "aud": {"essential": True, "value": c["id"]},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce is not None:
        expected["nonce"] = {"essential": True, "value": nonce}
    jwt.JWTClaimsRegistry(**expected).validate(token.claims)
    return token.header["alg"], token.claims


def login(q, _raw):
    name = q["c"]
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session(name).create_authorization_url(
        META["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    pending[state] = (name, verifier, nonce)
    raise Redirect(url)


def callback(q, raw):
    name, verifier, nonce = pending.pop(q["state"])
    if q.get("iss") != S["issuer"]:
        raise ValueError("the authorization response's iss is not the issuer")
    s = session(name)
    token = s.fetch_token(
        META["token_endpoint"],
        authorization_response=S["base"] + "/callback?" + raw,
        code_verifier=verifier,
        state=q["state"],
    )
    alg, claims = validate_id_token(name, token["id_token"], nonce)
    userinfo = s.get(META["userinfo_endpoint"]).json()
    if userinfo.get("sub") != claims["sub"]:
        raise ValueError("userinfo names another subject")
    sessions[name] = token
    return {"client": name, "claims": claims, "userinfo": userinfo, "alg": alg}


def refresh(q, _raw):
    name = q["c"]
    old = sessions[name]
    s = session(name, token=old)
    token = s.refresh_token(META["token_endpoint"], refresh_token=old["refresh_token"])
    out = {
        "rotated": token["refresh_token"] != old["refresh_token"],
        "new_access_token": token["access_token"] != old["access_token"],
    }
    if token.get("id_token"):
        out["id_token_sub"] = validate_id_token(name, token["id_token"])[1]["sub"]
    sessions[name] = token
    return out


def introspect(q, _raw):
    name = q["c"]
    s = session(name)
    t = sessions[name]
    url = META["introspection_endpoint"]
    return {
        "access": s.introspect_token(url, token=t["access_token"]).json(),
        "refresh": s.introspect_token(url, token=t["refresh_token"], token_type_hint="refresh_token").json(),
    }


def revoke(q, _raw):
    name = q["c"]
    s = session(name)
    t = sessions[name]
    status = s.revoke_token(META["revocation_endpoint"], token=t["refresh_token"]).status_code
    after = s.introspect_token(META["introspection_endpoint"], token=t["refresh_token"]).json()
    try:
        session(name, token=t).refresh_token(META["token_endpoint"], refresh_token=t["refresh_token"])
        refused = "accepted"
    except Exception as e:  # authlib raises OAuthError with the server's error code
        refused = getattr(e, "error", str(e))
    return {"status": status, "after": after, "refreshAfterRevoke": refused}


def client_credentials(q, _raw):
    s = session(q["c"], scope=None)
    token = s.fetch_token(META["token_endpoint"], grant_type="client_credentials")
    return {"token_type": token["token_type"], "expires_in": token["expires_in"]}


serve(
    S["port"],
    {
        "/login": login,
        "/callback": callback,
        "/refresh": refresh,
        "/introspect": introspect,
        "/revoke": revoke,
        "/client_credentials": client_credentials,
    },
)
