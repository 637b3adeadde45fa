// Self-check for op.mjs: starts the OP as a child process and drives real
// authorization code + PKCE logins against it with nothing but fetch, a tiny
// cookie jar and node:crypto. Prints `selfcheck: ok` and exits 0 on success.
//
//   node selfcheck.mjs          (from this directory, after `npm ci`)

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { strict as assert } from 'node:assert';

// Nothing listens there: the check stops at the redirect and reads its query.
const REDIRECT_URI = 'http://127.0.0.1:9/selfcheck/callback';
const API_AUDIENCE = 'http://127.0.0.1/api';
const STEP_TIMEOUT_MS = 15_000;

const log = (...args) => console.log('selfcheck:', ...args);

// ---------------------------------------------------------------------------
// Child process
// ---------------------------------------------------------------------------

function startOp() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./op.mjs', import.meta.url))], {
    env: {
      ...process.env,
      OP_PORT: '0',
      OP_REDIRECT_URIS: `${REDIRECT_URI},http://127.0.0.1:9/other`,
      OP_KID_PREFIX: 'selfcheck-',
      OP_API_AUDIENCE: API_AUDIENCE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.stdout.on('data', (chunk) => { stdout += chunk; });

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`op.mjs not ready in time; stderr:\n${stderr}`)), STEP_TIMEOUT_MS);
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice('READY '.length).trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`op.mjs exited early (${code}); stderr:\n${stderr}`));
    });
  });

  return { child, ready, stderrText: () => stderr, stdoutText: () => stdout };
}

// ---------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------

/** A minimal cookie jar: name -> { value, path }; host-only, no expiry beyond deletion. */
class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (n) => attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const path = attr('path') || '/';
      const expires = attr('expires');
      const id = `${name};${path}`;
      if (!value || (expires && Date.parse(expires) <= Date.now())) {
        this.#cookies.delete(id);
      } else {
        this.#cookies.set(id, { name, value, path });
      }
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter(({ path }) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}

async function getJson(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
  const body = await res.json();
  return { res, body };
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const random = () => b64url(crypto.randomBytes(32));

function decodeJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

/** Verifies an RS256/ES256 JWT against the OP's current JWKS; returns the decoded token. */
async function verifyJwt(jwt, jwksUri) {
  const token = decodeJwt(jwt);
  const { body: jwks } = await getJson(jwksUri);
  const jwk = jwks.keys.find((k) => k.kid === token.header.kid);
  assert(jwk, `kid ${token.header.kid} not in JWKS`);
  assert.equal(jwk.alg, token.header.alg, 'JWK alg and JWT alg differ');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify(
    'sha256',
    Buffer.from(token.signingInput),
    token.header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    token.signature,
  );
  assert(ok, `bad ${token.header.alg} signature`);
  return token;
}

// ---------------------------------------------------------------------------
// The authorization code flow
// ---------------------------------------------------------------------------

/**
 * Sends the browser to the authorization endpoint and follows redirects until
 * one points at REDIRECT_URI. Returns the callback parameters, the PKCE
 * verifier, the nonce and the hops seen on the way.
 */
async function authorize(meta, jar, { clientId, loginHint, scope = 'openid email profile', resource }) {
  const verifier = random();
  const state = random();
  const nonce = random();
  const url = new URL(meta.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...(loginHint ? { login_hint: loginHint } : {}),
    ...(resource ? { resource } : {}),
  });

  const hops = [];
  let next = url.href;
  for (let i = 0; i < 10; i += 1) {
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: jar.header(next) },
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    jar.store(res);
    const location = res.headers.get('location');
    hops.push(`${res.status} ${new URL(next).pathname} -> ${location ?? '(none)'}`);
    assert([302, 303].includes(res.status), `expected a redirect, got ${res.status}: ${await res.text()}\n${hops.join('\n')}`);
    next = new URL(location, next).href;
    if (next.startsWith(REDIRECT_URI)) {
      const params = Object.fromEntries(new URL(next).searchParams);
      assert.equal(params.state, state, 'state mismatch');
      return { params, verifier, nonce, hops };
    }
  }
  throw new Error(`too many redirects:\n${hops.join('\n')}`);
}

/** POSTs to the token endpoint, authenticating as the client's method requires. */
async function tokenRequest(meta, clientId, auth, form) {
  const body = new URLSearchParams(form);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth === 'basic') {
    const enc = encodeURIComponent;
    headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc('conf-secret')}`).toString('base64')}`;
  } else if (auth === 'post') {
    body.set('client_id', clientId);
    body.set('client_secret', 'conf-secret');
  } else {
    body.set('client_id', clientId); // public client
  }
  const { res, body: json } = await getJson(meta.token_endpoint, { method: 'POST', headers, body });
  assert.equal(res.status, 200, `token endpoint: ${res.status} ${JSON.stringify(json)}`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return json;
}

/** Full login: authorize, check the callback, redeem the code, verify the ID token. */
async function login(meta, jar, { clientId, auth, loginHint, alg, scope, resource }) {
  const { params, verifier, nonce, hops } = await authorize(meta, jar, { clientId, loginHint, scope, resource });
  assert.equal(params.iss, meta.issuer, `callback iss (RFC 9207) missing or wrong: ${JSON.stringify(params)}`);
  assert(params.code, `no code in callback: ${JSON.stringify(params)}`);

  const tokens = await tokenRequest(meta, clientId, auth, {
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    ...(resource ? { resource } : {}),
  });
  assert.equal(tokens.token_type, 'Bearer');
  assert(tokens.refresh_token, 'no refresh_token issued');

  const idToken = await verifyJwt(tokens.id_token, meta.jwks_uri);
  assert.equal(idToken.header.alg, alg);
  assert.equal(idToken.payload.iss, meta.issuer);
  assert.equal(idToken.payload.aud, clientId);
  assert.equal(idToken.payload.nonce, nonce);
  assert.equal(idToken.payload.sub, loginHint || 'alice');
  return { tokens, idToken, hops };
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

async function run(issuer) {
  const { body: meta } = await getJson(`${issuer}/.well-known/openid-configuration`);
  assert.equal(meta.issuer, issuer);
  assert.equal(meta.authorization_response_iss_parameter_supported, true);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  const jwksKids = async () => (await getJson(meta.jwks_uri)).body.keys.map((k) => k.kid);
  const kidsBefore = await jwksKids();
  assert(kidsBefore.every((k) => k.startsWith('selfcheck-')), `OP_KID_PREFIX not applied: ${kidsBefore}`);
  log('discovery ok', issuer, 'kids', kidsBefore.join(' '));

  // 1. conf-client (client_secret_basic, RS256) logs in bob.
  const jar = new CookieJar();
  const bob = await login(meta, jar, { clientId: 'conf-client', auth: 'basic', loginHint: 'bob', alg: 'RS256' });
  log('redirect sequence:\n  ' + bob.hops.join('\n  '));
  assert.equal(bob.idToken.payload.email, 'bob@example.test');
  const { res: uiRes, body: userinfo } = await getJson(meta.userinfo_endpoint, {
    headers: { authorization: `Bearer ${bob.tokens.access_token}` },
  });
  assert.equal(uiRes.status, 200, JSON.stringify(userinfo));
  assert.deepEqual(userinfo, {
    sub: 'bob',
    email: 'bob@example.test',
    email_verified: true,
    name: 'User bob',
    given_name: 'User',
    family_name: 'bob',
    preferred_username: 'bob',
  });
  log('conf-client login + userinfo ok (sub bob, refresh_token present, iss in callback)');

  // PKCE is required for confidential clients too.
  {
    const url = new URL(meta.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: 'conf-client', redirect_uri: REDIRECT_URI, scope: 'openid', state: 's',
    });
    const res = await fetch(url, { redirect: 'manual' });
    const location = new URL(res.headers.get('location'));
    assert.equal(location.searchParams.get('error'), 'invalid_request', `no PKCE accepted: ${location}`);
  }
  log('PKCE required for conf-client ok');

  // 2. Rotation: new kids published, old ones gone; a new login signs with a
  //    new key; a refresh token from before the rotation still works.
  const { res: rotRes, body: rotated } = await getJson(`${issuer}/__test/rotate`, { method: 'POST' });
  assert.equal(rotRes.status, 200);
  const kidsAfter = await jwksKids();
  assert.deepEqual([...kidsAfter].sort(), [...rotated.kids].sort());
  assert(kidsAfter.every((k) => !kidsBefore.includes(k)), 'old kids still published');
  // Same cookie jar (bob's session) but login_hint carol: the session is replaced.
  const carol = await login(meta, jar, { clientId: 'conf-es256', auth: 'basic', loginHint: 'carol', alg: 'ES256' });
  assert(rotated.kids.includes(carol.idToken.header.kid), 'ID token not signed with a rotated key');
  const refreshed = await tokenRequest(meta, 'conf-client', 'basic', {
    grant_type: 'refresh_token', refresh_token: bob.tokens.refresh_token,
  });
  assert.equal((await verifyJwt(refreshed.id_token, meta.jwks_uri)).payload.sub, 'bob');
  log('rotation ok: kids', kidsBefore.join(' '), '->', kidsAfter.join(' '), '(ES256 login as carol, pre-rotation refresh ok)');

  // 2b. Overlapping rotation: ?keep_old=1 keeps the previous keys published,
  //     but signs with the new ones. The session from 2. is reused (SSO).
  const { body: overlap } = await getJson(`${issuer}/__test/rotate?keep_old=1`, { method: 'POST' });
  assert.deepEqual((await jwksKids()).sort(), [...overlap.kids, ...rotated.kids].sort());
  const carol2 = await login(meta, jar, { clientId: 'conf-client', auth: 'basic', loginHint: 'carol', alg: 'RS256' });
  assert(overlap.kids.includes(carol2.idToken.header.kid), 'ID token not signed with the newest key');
  assert.equal(carol2.hops.length, 1, `expected SSO (one redirect), got:\n${carol2.hops.join('\n')}`);
  log('overlapping rotation ok: published', overlap.published.join(' '));

  // 3. login_hint=deny: access_denied back at the redirect URI, with iss.
  {
    const { params } = await authorize(meta, new CookieJar(), { clientId: 'conf-client', loginHint: 'deny' });
    assert.equal(params.error, 'access_denied', JSON.stringify(params));
    assert.equal(params.iss, issuer);
    assert(!params.code);
  }
  log('deny ok (error=access_denied)');

  // 4. Public client, client_id in the body, ES256, default user alice.
  const pub = await login(meta, new CookieJar(), { clientId: 'pub-client', auth: 'none', alg: 'ES256' });
  const pubRefreshed = await tokenRequest(meta, 'pub-client', 'none', {
    grant_type: 'refresh_token', refresh_token: pub.tokens.refresh_token,
  });
  assert.notEqual(pubRefreshed.refresh_token, pub.tokens.refresh_token, 'public client refresh token not rotated');
  log('pub-client login ok (sub alice, refresh token rotated)');

  // 5. JWT access token (RFC 9068) for the API resource, via client_secret_post.
  const api = await login(meta, new CookieJar(), {
    clientId: 'conf-post',
    auth: 'post',
    loginHint: 'dave',
    alg: 'RS256',
    scope: 'openid api:read api:write',
    resource: API_AUDIENCE,
  });
  const at = await verifyJwt(api.tokens.access_token, meta.jwks_uri);
  assert.equal(at.header.typ, 'at+jwt');
  assert.equal(at.payload.aud, API_AUDIENCE);
  assert.equal(at.payload.iss, issuer);
  assert.equal(at.payload.sub, 'dave');
  assert.equal(at.payload.client_id, 'conf-post');
  assert.deepEqual(at.payload.scope.split(' ').sort(), ['api:read', 'api:write']);
  log(`JWT access token ok (typ ${at.header.typ}, aud ${at.payload.aud}, scope "${at.payload.scope}")`);
}

// ---------------------------------------------------------------------------

const op = startOp();
let exitCode = 0;
try {
  const issuer = await op.ready;
  await run(issuer);
} catch (err) {
  console.error('selfcheck: FAILED');
  console.error(err);
  console.error(`op.mjs stderr:\n${op.stderrText()}`);
  exitCode = 1;
} finally {
  op.child.kill('SIGTERM');
  const exited = await new Promise((resolve) => {
    if (op.child.exitCode !== null) return resolve(op.child.exitCode);
    const timer = setTimeout(() => resolve('timeout'), 5000);
    op.child.once('exit', (code, signal) => { clearTimeout(timer); resolve(code ?? signal); });
  });
  if (exited !== 0) {
    console.error(`selfcheck: op.mjs did not exit cleanly on SIGTERM (${exited})`);
    exitCode ||= 1;
  }
  if (!/^READY http:\/\/127\.0\.0\.1:\d+\n$/.test(op.stdoutText())) {
    console.error(`selfcheck: op.mjs stdout must be exactly one READY line, got ${JSON.stringify(op.stdoutText())}`);
    exitCode ||= 1;
  }
}
if (exitCode === 0) log('ok');
process.exit(exitCode);
