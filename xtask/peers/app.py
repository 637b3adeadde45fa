"""Stock fastapi-sso, as its README shows it, against the bench's mock IdP.

Written into the venv by `cargo xtask bench --peers`; env PEER_IDP (the mock
IdP's base URL) and PEER_PUBLIC_URL (this app's base URL).
"""

import os

from fastapi import FastAPI, Request
from fastapi_sso.sso.base import OpenID
from fastapi_sso.sso.generic import create_provider

IDP = os.environ["PEER_IDP"]
PUBLIC = os.environ["PEER_PUBLIC_URL"]


def convert(response, _session=None):
    return OpenID(
        id=response["sub"],
        email=response.get("email"),
        display_name=response.get("name"),
        provider="mock",
    )


MockSSO = create_provider(
    name="mock",
    default_scope=["profile", "email"],
    discovery_document={
        "authorization_endpoint": f"{IDP}/authorize",
        "token_endpoint": f"{IDP}/token",
        "userinfo_endpoint": f"{IDP}/userinfo",
    },
    response_convertor=convert,
)
sso = MockSSO("bench-client", "bench-secret", f"{PUBLIC}/callback", allow_insecure_http=True)
app = FastAPI()


@app.get("/login")
async def login():
    async with sso:
        return await sso.get_login_redirect()


@app.get("/callback")
async def callback(request: Request):
    async with sso:
        user = await sso.verify_and_process(request)
    return user
