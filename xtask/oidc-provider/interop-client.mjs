// Interop: panva's certified openid-client against Sesame's authorization
// server (examples/authorization-server). The harness plays the user and
// fills the login form; everything else is openid-client's own checks.
//
// Usage: node interop-client.mjs <issuer> <client_id> <client_secret|-> <redirect_uri> <username> <password>
// Env: INTEROP_CLIENT_KEY (a private JWK, JSON): authenticate with
// private_key_jwt instead; INTEROP_DPOP=1: DPoP-bound tokens (a fresh ES256
// proof key), checked at the token endpoint, userinfo and refresh.
// Prints `interop: ok` and exits 0 on success.
import * as client from 'openid-client';
import * as jose from 'jose';

const [issuer, clientId, secretArg, redirectUri, username, password] = process.argv.slice(2);
const clientSecret = secretArg === '-' ? undefined : secretArg;
const fail = (msg) => { console.error(`interop: FAIL ${msg}`); process.exit(1); };
const check = (cond, msg) => { if (!cond) fail(msg); console.log(`interop: ${msg}`); };

const clientKey = process.env.INTEROP_CLIENT_KEY
  ? await jose.importJWK(JSON.parse(process.env.INTEROP_CLIENT_KEY), 'ES256')
  : undefined;
const clientAuth = clientKey
  ? client.PrivateKeyJwt(clientKey)
  : clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
const confidential = !!(clientKey || clientSecret);
const config = await client.discovery(
  new URL(issuer), clientId,
  clientSecret ? { client_secret: clientSecret } : undefined,
  clientAuth,
  { execute: [client.allowInsecureRequests] },
);
const dpopKeys = process.env.INTEROP_DPOP === '1' ? await client.randomDPoPKeyPair('ES256') : undefined;
const DPoP = dpopKeys ? client.getDPoPHandle(config, dpopKeys) : undefined;
const dpopJkt = dpopKeys ? await jose.calculateJwkThumbprint(await jose.exportJWK(dpopKeys.publicKey)) : undefined;
const meta = config.serverMetadata();
check(meta.issuer === issuer, 'discovery: issuer matches');
check(meta.code_challenge_methods_supported?.includes('S256'), 'discovery: S256 advertised');

const requirePar = meta.require_pushed_authorization_requests === true;
check(!!meta.pushed_authorization_request_endpoint, 'discovery: PAR endpoint advertised');

// One sign-in: the authorization request built by openid-client (pushed
// to the PAR endpoint when `par`), the login form filled as the user,
// the code redeemed with openid-client's checks.
async function signIn(par) {
  const how = par ? 'PAR' : 'plain';
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params = {
    redirect_uri: redirectUri, scope: 'openid api:read', code_challenge: challenge,
    code_challenge_method: 'S256', state, nonce,
  };
  const authUrl = par
    ? await client.buildAuthorizationUrlWithPAR(config, params, { DPoP })
    : client.buildAuthorizationUrl(config, params);
  if (par) {
    check([...authUrl.searchParams.keys()].sort().join(',') === 'client_id,request_uri', `${how}: the browser carries only client_id and request_uri`);
  }

  // The user: open the login page, fill the form.
  const page = await fetch(authUrl, { redirect: 'manual' });
  check(page.status === 200, `${how} authorize: login page served`);
  const html = await page.text();
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1];
  const csrfCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sesame-csrf='));
  check(field('authorization') && field('csrf') && csrfCookie, `${how} authorize: form has sealed request and CSRF token`);
  const login = await fetch(new URL('login', authUrl), {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ authorization: field('authorization').replaceAll('&amp;', '&'), csrf: field('csrf'), username, password }),
  });
  check(login.status === 303, `${how} login: answered 303 (never 307/308)`);
  const callback = new URL(login.headers.get('location'));
  check(callback.href.startsWith(redirectUri), `${how} login: redirected to the registered redirect_uri`);
  check(callback.searchParams.get('iss') === issuer, `${how} login: iss in the authorization response (RFC 9207)`);

  if (par) {
    // The request_uri was single use: a second visit is refused.
    const again = await fetch(authUrl, { redirect: 'manual' });
    const back = again.headers.get('location') && new URL(again.headers.get('location'));
    check(again.status === 303 && back?.searchParams.get('error') === 'invalid_request_uri', `${how}: a used request_uri is refused`);
  }

  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  }, undefined, { DPoP });
}

if (requirePar) {
  // PAR required: a plain request is sent back with invalid_request.
  const plain = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256', state: client.randomState(),
  });
  const refused = await fetch(plain, { redirect: 'manual' });
  const back = refused.headers.get('location') && new URL(refused.headers.get('location'));
  check(refused.status === 303 && back?.searchParams.get('error') === 'invalid_request', 'PAR required: a plain authorization request is refused');
} else {
  const pushed = await signIn(true);
  check(pushed.claims().sub === username, 'PAR: a pushed request signs in too');
}
const tokens = await signIn(requirePar);
const claims = tokens.claims();
check(claims.sub === username, 'token: ID token validated by openid-client, sub matches');

const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, {
  issuer, typ: 'at+jwt', requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'scope', 'sub', 'aud'],
});
check(protectedHeader.typ === 'at+jwt' && payload.client_id === clientId, 'access token: RFC 9068 JWT verified with jose');
if (DPoP) {
  check(tokens.token_type === 'dpop', 'DPoP: token_type is DPoP');
  check(payload.cnf?.jkt === dpopJkt, 'DPoP: the access token is bound to the proof key (cnf.jkt)');
  const bare = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  check(bare.status === 401 && (bare.headers.get('www-authenticate') || '').includes('DPoP'), 'DPoP: the bound token is refused as a bearer token');
} else {
  check(tokens.token_type === 'bearer', 'token_type is Bearer');
}

const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP });
check(userinfo.sub === username, 'userinfo: sub matches');

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP });
check(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token, 'refresh: new tokens, refresh token rotated');

if (confidential) {
  const active = await client.tokenIntrospection(config, refreshed.access_token);
  check(active.active === true && active.sub === username, 'introspection: active token');
  await client.tokenRevocation(config, refreshed.refresh_token);
  const after = await client.tokenIntrospection(config, refreshed.access_token);
  check(after.active === false, 'revocation: the family is revoked, its access token inactive');
  let refused = false;
  try { await client.refreshTokenGrant(config, refreshed.refresh_token, undefined, { DPoP }); } catch { refused = true; }
  check(refused, 'revocation: the revoked refresh token is refused');
}
console.log('interop: ok');
