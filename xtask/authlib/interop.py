"""Authlib (pinned in requirements.txt) against Sesame's authorization
server, with strict validation: the discovery document through
OpenIDProviderMetadata.validate(), code + PKCE through the login form, the
ID token through CodeIDToken (iss, aud, exp, nonce, at_hash), userinfo,
refresh and revocation.

Usage: interop.py ISSUER CLIENT_ID SECRET|- REDIRECT_URI USERNAME PASSWORD
Prints "interop: ok" and exits 0 when every step passed.
"""
import html
import re
import sys
import warnings

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata

warnings.simplefilter("ignore", DeprecationWarning)
from authlib.jose import JsonWebKey, jwt  # noqa: E402 (deprecated in favour of joserfc, still Authlib's OIDC path)


def field(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, page)
    if not m:
        raise SystemExit("login page has no %s field" % name)
    return html.unescape(m.group(1))


def main():
    issuer, client_id, secret, redirect, user, password = sys.argv[1:7]
    secret = None if secret == "-" else secret
    meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    OpenIDProviderMetadata(meta).validate()
    assert meta["issuer"] == issuer
    print("discovery validates:", meta["id_token_signing_alg_values_supported"])

    session = OAuth2Session(
        client_id,
        secret,
        scope="openid api:read offline_access",
        redirect_uri=redirect,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
    )
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = session.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )

    browser = requests.Session()
    page = browser.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.status_code
    posted = browser.post(
        issuer + "/login",
        data={
            "authorization": field(page.text, "authorization"),
            "csrf": field(page.text, "csrf"),
            "username": user,
            "password": password,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert posted.status_code == 303, posted.status_code
    callback = posted.headers["Location"]

    token = session.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    header = jwt.decode(token["id_token"], keys).header
    assert header["alg"] == "RS256", header
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": issuer}},
        claims_params={
            "nonce": nonce,
            "client_id": client_id,
            "access_token": token["access_token"],
        },
    )
    claims.validate()
    assert claims["sub"] == user, claims
    print("id token validates (RS256, at_hash, nonce)")

    info = session.get(meta["userinfo_endpoint"], timeout=10).json()
    assert info["sub"] == user, info

    refreshed = session.refresh_token(
        meta["token_endpoint"], refresh_token=token["refresh_token"]
    )
    assert refreshed["refresh_token"] != token["refresh_token"]
    revoked = session.revoke_token(
        meta["revocation_endpoint"],
        refreshed["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert revoked.status_code == 200, revoked.status_code
    try:
        session.refresh_token(
            meta["token_endpoint"], refresh_token=refreshed["refresh_token"]
        )
    except OAuthError as e:
        assert e.error == "invalid_grant", e.error
    else:
        raise SystemExit("a revoked refresh token was accepted")
    print("interop: ok")


if __name__ == "__main__":
    main()
