// Sesame test fixture: panva's certified `oidc-provider` on 127.0.0.1.
//
// The Rust end-to-end tests start this script, wait for the single stdout line
// `READY http://127.0.0.1:<port>`, and then talk to a real OpenID Provider.
// Logins complete without any form: a client only follows redirects while
// keeping a cookie jar. See README.md for the clients, env vars and test hooks.
//
// stdout carries nothing but the READY line; everything else goes to stderr.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

// oidc-provider prints its "NOTICE"s with console.info, i.e. on stdout. Route
// every console method to stderr *before* importing it so that stdout stays
// reserved for the READY line.
for (const method of ['log', 'info', 'debug']) {
  console[method] = (...args) => console.error(...args);
}

// ---------------------------------------------------------------------------
// Settings from the environment
// ---------------------------------------------------------------------------

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.OP_PORT || '0', 10);
const REDIRECT_URIS = (process.env.OP_REDIRECT_URIS || 'http://127.0.0.1:3000/callback')
  .split(',')
  .map((uri) => uri.trim())
  .filter(Boolean);
// Where the OP sends the browser after an RP-initiated logout: each redirect
// URI's `/callback` becomes `/logout/callback`.
const POST_LOGOUT_REDIRECT_URIS = REDIRECT_URIS.map((uri) => uri.replace(/\/callback$/, '/logout/callback'));
// Where it POSTs back-channel logout tokens: the first redirect URI's origin
// + `/backchannel-logout`, unless OP_BACKCHANNEL_LOGOUT_URI says otherwise
// (`none`: no back-channel logout).
const BACKCHANNEL_LOGOUT_URI = (() => {
  const configured = process.env.OP_BACKCHANNEL_LOGOUT_URI;
  if (configured === 'none') return undefined;
  if (configured) return configured;
  const first = URL.parse(REDIRECT_URIS[0] || '');
  return first ? `${first.origin}/backchannel-logout` : undefined;
})();
const KID_PREFIX = process.env.OP_KID_PREFIX || '';
// Access token lifetime in seconds (default an hour); tests of refresh timing shorten it.
const ACCESS_TOKEN_TTL = Number.parseInt(process.env.OP_ACCESS_TOKEN_TTL || '3600', 10);
const API_AUDIENCE = process.env.OP_API_AUDIENCE || 'http://127.0.0.1/api';
const API_SCOPE = 'api:read api:write';
const DEBUG = !!process.env.OP_DEBUG;
/** OP_REQUIRE_PAR=1: authorization requests only through PAR (RFC 9126 §5). */
const REQUIRE_PAR = process.env.OP_REQUIRE_PAR === '1';
/**
 * OP_DPOP_NONCE=1: every DPoP proof (PAR, token, userinfo) must carry a
 * server-provided nonce (RFC 9449 §8, §9). DPoP itself is on either way
 * (oidc-provider's default), without nonces by default.
 */
const DPOP_NONCE = process.env.OP_DPOP_NONCE === '1';

if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`op.mjs: invalid OP_PORT ${JSON.stringify(process.env.OP_PORT)}`);
  process.exit(2);
}

// Imported only now, after the console is rerouted (a static import would be
// evaluated first). On Node 20 the import prints one "Unsupported runtime"
// warning to stderr; oidc-provider 9 works on Node 20 regardless.
const { default: Provider, errors } = await import('oidc-provider');
const { default: SharedMemoryAdapter, forgetAccount } = await import('./memory_adapter.mjs');

// ---------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------

let keyGeneration = 0;

/**
 * Fresh private signing JWKs: one RS256 (RSA-2048) and one ES256 (P-256).
 * Each key is pinned to a single algorithm (RFC 8725 §3.1) and gets a random
 * kid, optionally prefixed with OP_KID_PREFIX; the generation number makes
 * rotations easy to spot in logs.
 */
function generateSigningKeys() {
  keyGeneration += 1;
  const kid = (alg) => `${KID_PREFIX}${alg.toLowerCase()}-g${keyGeneration}-${crypto.randomBytes(6).toString('hex')}`;

  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  return [
    { ...rsa.export({ format: 'jwk' }), kid: kid('RS256'), alg: 'RS256', use: 'sig' },
    { ...ec.export({ format: 'jwk' }), kid: kid('ES256'), alg: 'ES256', use: 'sig' },
  ];
}

// ---------------------------------------------------------------------------
// Static configuration shared by every Provider instance
// ---------------------------------------------------------------------------

const confidential = (clientId, authMethod, alg) => ({
  client_id: clientId,
  client_secret: 'conf-secret',
  token_endpoint_auth_method: authMethod,
  id_token_signed_response_alg: alg,
});

const CLIENTS = [
  confidential('conf-client', 'client_secret_basic', 'RS256'),
  confidential('conf-es256', 'client_secret_basic', 'ES256'),
  confidential('conf-post', 'client_secret_post', 'RS256'),
  { client_id: 'pub-client', token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'ES256' },
  // private_key_jwt (RFC 7523): registered only when a test gives the
  // client's public JWK Set in OP_CLIENT_JWKS.
  ...(process.env.OP_CLIENT_JWKS ? [{
    client_id: 'pkjwt-client',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: JSON.parse(process.env.OP_CLIENT_JWKS),
    id_token_signed_response_alg: 'ES256',
  }] : []),
].map((client) => ({
  ...client,
  redirect_uris: REDIRECT_URIS,
  post_logout_redirect_uris: POST_LOGOUT_REDIRECT_URIS,
  ...(BACKCHANNEL_LOGOUT_URI ? {
    backchannel_logout_uri: BACKCHANNEL_LOGOUT_URI,
    backchannel_logout_session_required: true,
  } : {}),
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
}));

/** Every account exists; its claims are derived from the id. */
async function findAccount(_ctx, id) {
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: `${id}@example.test`,
        email_verified: true,
        name: `User ${id}`,
        given_name: 'User',
        family_name: id,
        preferred_username: id,
      };
    },
  };
}

/**
 * Consent is never shown: the grant used for an authorization request is
 * extended with everything the request asks for (OIDC scopes, `claims`
 * parameter claims, and the scopes of each requested resource server), then
 * saved. With every scope "encountered", the consent prompt has nothing to ask.
 */
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const { Grant } = oidc.provider;
  const accountId = oidc.account.accountId;
  const clientId = oidc.client.clientId;

  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(clientId);
  let grant = grantId ? await Grant.find(grantId) : undefined;
  if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
    grant = new Grant({ accountId, clientId });
  }

  const oidcScopes = [...oidc.requestParamOIDCScopes];
  if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));

  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);

  const requested = [...oidc.requestParamScopes];
  for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers)) {
    const scopes = requested.filter((scope) => resourceServer.scopes.has(scope));
    if (scopes.length) grant.addResourceScope(indicator, scopes.join(' '));
  }

  await grant.save();
  return grant;
}

/** The only resource server: JWT (RFC 9068 `at+jwt`) access tokens for API_AUDIENCE. */
async function getResourceServerInfo(_ctx, resourceIndicator) {
  if (resourceIndicator !== API_AUDIENCE) {
    throw new errors.InvalidTarget(`unknown resource indicator ${resourceIndicator}`);
  }
  return {
    audience: API_AUDIENCE,
    scope: API_SCOPE,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

/** Only the client a token was issued to may revoke it. */
async function revocationAllowedPolicy(_ctx, client, token) {
  if (token.clientId !== client.clientId) {
    if (client.clientAuthMethod === 'none') return false; // silently ignored
    throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
  }
  return true;
}

/** Confidential clients may introspect any token; public ones only their own. */
async function introspectionAllowedPolicy(ctx, client, token) {
  return !(client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc.client.clientId);
}

/** Error pages (for errors that cannot be redirected back) as small JSON bodies. */
async function renderError(ctx, out) {
  ctx.type = 'application/json';
  ctx.body = out;
}

// The library's default TTL functions print a NOTICE the first time they are
// used; these return the very same default values, silently.
const HOUR = 60 * 60;
const DAY = 24 * HOUR;
const ttl = {
  AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL || ACCESS_TOKEN_TTL,
  AuthorizationCode: 60,
  IdToken: HOUR,
  Interaction: HOUR,
  Session: 14 * DAY,
  Grant: 14 * DAY,
  RefreshToken(ctx, token, client) {
    // Like the default: a rotated refresh token of a public web client that is
    // not sender-constrained keeps the remaining lifetime of its predecessor.
    if (
      ctx?.oidc?.entities.RotatedRefreshToken
      && client.applicationType === 'web'
      && client.clientAuthMethod === 'none'
      && !token.isSenderConstrained()
    ) {
      return ctx.oidc.entities.RotatedRefreshToken.remainingTTL;
    }
    return 14 * DAY;
  },
};

function configuration(jwks) {
  return {
    adapter: SharedMemoryAdapter, // state survives key rotation (new instance)
    // The OP's outgoing calls (back-channel logout) go to the apps under test
    // on 127.0.0.1, which its SSRF guard refuses as special-use addresses:
    // this loopback-only fixture sends them without that guard.
    fetch: (url, options) => {
      const { dispatcher: _guard, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    clients: CLIENTS,
    jwks: { keys: jwks },
    findAccount,
    loadExistingGrant,
    renderError,
    ttl,

    // Fixed cookie-signing keys: sessions survive a key rotation (new instance).
    cookies: { keys: ['sesame-test-cookie-key-1', 'sesame-test-cookie-key-2'] },

    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    // Put the scope-derived claims into the ID token too (not only userinfo),
    // as most real providers do.
    conformIdTokenClaims: false,
    // A client must always send redirect_uri.
    allowOmittingSingleRegisteredRedirectUri: false,
    responseTypes: ['code'],

    // PKCE (S256 is the only method oidc-provider supports) for every client.
    pkce: { required: () => true },

    // Refresh tokens for every authorization_code grant of a client allowed to
    // use refresh_token, with or without offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // ...and tokens never die with the OP browser session (by default they do
    // without offline_access, e.g. when login_hint switches the user).
    expiresWithSession: async () => false,

    // CORS for browser clients: origins of the client's redirect URIs (the
    // library default, without its start-up notice).
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris
      .some((uri) => URL.parse(uri)?.origin === origin),

    features: {
      devInteractions: { enabled: false }, // the middleware below completes interactions
      // PAR is on by default; OP_REQUIRE_PAR makes it the only way in.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: REQUIRE_PAR },
      userinfo: { enabled: true },
      dPoP: DPOP_NONCE
        ? { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true }
        : { enabled: true },
      // Handy for client tests; the policies are the library defaults minus
      // their start-up notices.
      revocation: { enabled: true, allowedPolicy: revocationAllowedPolicy },
      // RP-initiated logout (the default confirmation form: a client POSTs its
      // xsrf value with logout=yes) and back-channel logout tokens with sid.
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowedPolicy },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined, // no resource unless the client sends one
        useGrantedResource: async () => false,
        getResourceServerInfo,
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Automatic interactions
// ---------------------------------------------------------------------------

const INTERACTION_PATH = /^\/interaction\/[^/]+\/?$/;
/** The browser's `login_hint` at the authorization endpoint, for the interaction. */
const HINT_COOKIE = 'test_login_hint';

/**
 * Completes `/interaction/:uid` at once with a 303 back to the authorization
 * endpoint. The login prompt logs in `login_hint` (default `alice`): the
 * request's, or the one the browser added to a pushed request's URL; the hint
 * `deny` ends the request with access_denied. A consent prompt should never
 * appear (see loadExistingGrant); if one does, everything missing is granted.
 */
function autoInteractions(provider) {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' || !INTERACTION_PATH.test(ctx.path)) return next();

    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `interaction: ${err.message}` };
      return undefined;
    }

    const { prompt, params } = details;
    // A pushed request (PAR) carries only what the client pushed; the
    // browser's own hint then comes from the authorization request's URL
    // (loginHintSwitchesUser keeps it in a cookie).
    const accountId = params.login_hint || ctx.cookies.get(HINT_COOKIE) || 'alice';
    let result;

    if (accountId === 'deny') {
      result = { error: 'access_denied', error_description: 'the user declined' };
    } else if (prompt.name === 'login') {
      result = { login: { accountId } };
    } else if (prompt.name === 'consent') {
      result = { consent: { grantId: await grantMissing(provider, details) } };
    } else {
      result = { error: 'interaction_required', error_description: `unsupported prompt ${prompt.name}` };
    }

    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
    ctx.redirect(returnTo);
    ctx.status = 303;
    return undefined;
  };
}

/** Fallback consent: grant whatever the consent prompt reports as missing. */
async function grantMissing(provider, details) {
  const { prompt: { details: missing }, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });

  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

/**
 * `login_hint` is authoritative. If a GET to the authorization endpoint names
 * a user other than the one logged in by the session cookie, that session is
 * destroyed first, so the login prompt runs again for the hinted user.
 * (Otherwise the existing session would be reused silently, and switching the
 * user at resume time would make oidc-provider show a logout form.)
 */
function loginHintSwitchesUser(provider) {
  const authPath = new URL(provider.urlFor('authorization')).pathname;
  return async (ctx, next) => {
    const authorizing = ctx.method === 'GET' && ctx.path === authPath;
    const hint = authorizing ? ctx.query.login_hint : undefined;
    if (authorizing) {
      // Also for pushed requests, whose parameters the browser cannot
      // change: the user picks an account at the OP (see autoInteractions).
      ctx.cookies.set(HINT_COOKIE, typeof hint === 'string' && hint ? hint : null, { httpOnly: true });
    }
    if (typeof hint === 'string' && hint) {
      const session = await provider.Session.get(ctx);
      if (session.accountId && session.accountId !== hint) {
        await session.destroy();
      }
    }
    return next();
  };
}

// ---------------------------------------------------------------------------
// Provider instances and key rotation
// ---------------------------------------------------------------------------
//
// oidc-provider 9 reads `jwks` once, in the constructor, into a keystore kept
// in a private class field; there is no public API to replace signing keys of
// a running instance. Rotation therefore builds a new Provider (same issuer,
// clients and cookie keys, new jwks) and swaps which instance the HTTP server
// dispatches to. Every instance uses the same storage (memory_adapter.mjs)
// and cookie keys, so sessions, interactions, codes, grants and refresh
// tokens from before the swap remain valid; only tokens *signed* with the old
// keys (ID tokens, JWT access tokens) no longer verify against the JWKS.

function createProvider(issuer, jwks) {
  const provider = new Provider(issuer, configuration(jwks));
  provider.use(loginHintSwitchesUser(provider));
  provider.use(autoInteractions(provider));

  provider.on('server_error', (_ctx, err) => console.error('op.mjs: server_error', err));
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc?.params?.grant_type || 'unknown';
    stats.grants[type] = (stats.grants[type] || 0) + 1;
    if (ctx.body?.token_type === 'DPoP') {
      stats.dpop_grants[type] = (stats.dpop_grants[type] || 0) + 1;
    }
  });
  provider.on('backchannel.success', () => { stats.backchannel.success += 1; });
  provider.on('pushed_authorization_request.success', () => { stats.pushed.success += 1; });
  provider.on('pushed_authorization_request.error', () => { stats.pushed.error += 1; });
  provider.on('backchannel.error', (_ctx, err) => {
    stats.backchannel.error += 1;
    console.error(`op.mjs: backchannel logout failed: ${err.message} ${err.cause ? err.cause : ''}`);
  });
  if (DEBUG) {
    for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'introspection.error', 'revocation.error']) {
      provider.on(event, (_ctx, err) => console.error(`op.mjs: ${event}: ${err.message} ${err.error_description || ''}`));
    }
  }
  return provider;
}

let current; // { provider, handler, signing: [jwk], published: [jwk] }

/** Counters for GET /__test/stats: successful grants by type (and those answered with DPoP-bound tokens), back-channel calls, pushed requests. */
const stats = { grants: {}, dpop_grants: {}, backchannel: { success: 0, error: 0 }, pushed: { success: 0, error: 0 } };

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/**
 * POST /__test/sign {"claims": {...}, "typ": "logout+jwt", "alg": "RS256"}:
 * a compact JWS of `claims` signed with the OP's current key for `alg` — for
 * tests of logout tokens the OP itself would not send (sub only, broken rules).
 */
function signClaims({ claims, typ = 'logout+jwt', alg = 'RS256' }) {
  const jwk = current.signing.find((key) => key.alg === alg);
  if (!jwk) throw new Error(`no ${alg} signing key`);
  const header = { alg, kid: jwk.kid, ...(typ ? { typ } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const signature = alg === 'ES256'
    ? crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : crypto.sign('sha256', Buffer.from(input), key);
  return { token: `${input}.${b64url(signature)}` };
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > 65536) reject(new Error('body too large'));
    });
    req.on('end', () => {
      try { resolve(JSON.parse(data || '{}')); } catch (err) { reject(err); }
    });
    req.on('error', reject);
  });
}

/** Serve `published` (signing keys first) from a new Provider instance. */
function install(issuer, signing, published = signing) {
  const provider = createProvider(issuer, published);
  current = { provider, handler: provider.callback(), signing, published };
}

const kids = (keys) => keys.map((key) => key.kid);

/**
 * POST /__test/rotate: sign with new keys from now on. The previous keys are
 * dropped from the JWKS, unless `keep_old` is set: then the previous signing
 * keys stay published (for verification only) after the new ones. The
 * keystore signs with the first key that fits an algorithm, i.e. a new one.
 */
function rotate(issuer, keepOld) {
  const fresh = generateSigningKeys();
  install(issuer, fresh, keepOld ? [...fresh, ...current.signing] : fresh);
  return { kids: kids(current.signing), published: kids(current.published) };
}

// ---------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------

function sendJson(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

let issuer;

const server = http.createServer((req, res) => {
  if (!current) {
    sendJson(res, 503, { error: 'starting' });
    return;
  }

  const url = new URL(req.url, 'http://internal');
  if (url.pathname === '/__test/rotate') {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendJson(res, 405, { error: 'method_not_allowed' });
      return;
    }
    req.resume(); // ignore any body
    try {
      const keepOld = ['1', 'true'].includes(url.searchParams.get('keep_old'));
      sendJson(res, 200, rotate(issuer, keepOld));
    } catch (err) {
      console.error('op.mjs: rotation failed', err);
      sendJson(res, 500, { error: 'server_error', error_description: err.message });
    }
    return;
  }

  if (url.pathname === '/__test/revoke' && req.method === 'POST') {
    req.resume();
    sendJson(res, 200, { removed: forgetAccount(url.searchParams.get('sub') || '') });
    return;
  }
  if (url.pathname === '/__test/stats') {
    sendJson(res, 200, stats);
    return;
  }
  if (url.pathname === '/__test/sign' && req.method === 'POST') {
    readJson(req)
      .then((body) => sendJson(res, 200, signClaims(body)))
      .catch((err) => sendJson(res, 400, { error: 'invalid_request', error_description: err.message }));
    return;
  }

  current.handler(req, res);
});

server.on('error', (err) => {
  console.error('op.mjs: server error', err);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  issuer = `http://${HOST}:${port}`;
  install(issuer, generateSigningKeys());
  process.stdout.write(`READY ${issuer}\n`);
});

// ---------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // keep-alive sockets would otherwise hold the server open
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
