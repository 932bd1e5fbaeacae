"""A relying party built on pyoidc (`oic`), unmodified: discovery, code + PKCE, the ID token validated by the
library against the JWKS (RS256 and ES256; its JOSE library pyjwkest has no OKP keys, so EdDSA is not
exercised), userinfo and refresh."""

from oic import rndstr
from oic.oic import Client
from oic.oic.message import AccessTokenResponse, AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from common import Redirect, serve, settings

S = settings()
clients = {}
pending = {}


def client(name):
    if name not in clients:
        c = S["clients"][name]
        cl = Client(client_authn_method=CLIENT_AUTHN_METHOD)
        cl.provider_config(S["issuer"])
        info = {"client_id": c["id"], "redirect_uris": [S["base"] + "/callback"],
                "id_token_signed_response_alg": c["alg"]}
        if c.get("secret"):
            info["client_secret"] = c["secret"]
        cl.store_registration_info(RegistrationResponse(**info))
        clients[name] = cl
    return clients[name]


def authn(name):
    return "client_secret_basic" if S["clients"][name].get("secret") else ""


def login(q, _raw):
    name = q["c"]
    cl = client(name)
    state, nonce = rndstr(32), rndstr(32)
    pkce, verifier = cl.add_code_challenge()
    args = {"client_id": cl.client_id, "response_type": "code", "scope": ["openid", "profile", "email", "offline_access"],
            "nonce": nonce, "redirect_uri": S["base"] + "/callback", "state": state, **pkce}
    pending[state] = (name, verifier)
    raise Redirect(cl.construct_AuthorizationRequest(request_args=args).request(cl.authorization_endpoint))


def callback(q, raw):
    name, verifier = pending.pop(q["state"])
    cl = client(name)
    aresp = cl.parse_response(AuthorizationResponse, info=raw, sformat="urlencoded")
    resp = cl.do_access_token_request(
        state=aresp["state"],
        request_args={"code": aresp["code"], "code_verifier": verifier, "redirect_uri": S["base"] + "/callback"},
        authn_method=authn(name),
    )
    if not isinstance(resp, AccessTokenResponse):
        raise ValueError(f"token response: {resp.to_dict()}")
    id_token = resp["id_token"]  # verified by the library: signature (JWKS), iss, aud, nonce, exp
    userinfo = cl.do_user_info_request(state=aresp["state"], method="GET")
    pending["last-" + name] = aresp["state"]
    return {"client": name, "claims": id_token.to_dict(), "userinfo": userinfo.to_dict(),
            "alg": id_token.jws_header["alg"] if hasattr(id_token, "jws_header") else S["clients"][name]["alg"]}


def refresh(q, _raw):
    name = q["c"]
    cl = client(name)
    state = pending["last-" + name]
    old = cl.get_token(state=state)
    resp = cl.do_access_token_refresh(state=state, authn_method=authn(name))
    if not isinstance(resp, AccessTokenResponse):
        raise ValueError(f"refresh response: {resp.to_dict()}")
    return {"rotated": resp["refresh_token"] != old.refresh_token,
            "new_access_token": resp["access_token"] != old.access_token}


serve(S["port"], {"/login": login, "/callback": callback, "/refresh": refresh})
