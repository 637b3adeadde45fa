// The oidc-provider side of `cargo xtask bench --peers` (the `/token` part):
// panva's oidc-provider with the client, keys and grants of xtask/peer-apps'
// `sesame-token`, and a bench-only route that mints authorization codes
// without a browser, so that the load generator times `/token` alone.
//
// Run from this directory (node_modules must resolve): `node token-bench.mjs`.
// Env: BENCH_PORT (default 0 = a free one). stdout carries one line,
// `READY http://127.0.0.1:<port>`; errors go to stderr.
//
// * One confidential client `bench-client` / `bench-secret`
//   (client_secret_basic), grants authorization_code (PKCE S256 required),
//   refresh_token (rotated on every use) and client_credentials; redirect URI
//   `http://127.0.0.1/callback`.
// * One ES256 key: ID tokens and JWT access tokens (RFC 9068, resource
//   `{issuer}/api`, scope `api:read`) are ES256, as Sesame's.
// * State in memory_adapter.mjs (the built-in adapter is an LRU of 1,000
//   entries, too small for a bench); refresh tokens live 30 days, as Sesame's.
// * `POST /bench/codes?n=N`: N fresh codes for `alice`, scope
//   `openid offline_access api:read`, each with its own Grant, as JSON
//   `{"codes": [...], "code_verifier": "...", "redirect_uri": "..."}`.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

for (const method of ['log', 'info', 'debug']) {
  console[method] = (...args) => console.error(...args);
}

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.BENCH_PORT || '0', 10);
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret';
const REDIRECT_URI = 'http://127.0.0.1/callback';
const SCOPE = 'openid offline_access api:read';
const API_SCOPE = 'api:read';
// The same verifier as sesame-token's (any 43+ character verifier would do).
const CODE_VERIFIER = 'bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const CODE_CHALLENGE = crypto.createHash('sha256').update(CODE_VERIFIER).digest('base64url');
const MAX_CODES = 100_000;

const { default: Provider, errors } = await import('oidc-provider');
const { default: SharedMemoryAdapter } = await import('./memory_adapter.mjs');

const es256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const JWKS = { keys: [{ ...es256.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' }] };

const DAY = 24 * 60 * 60;

function configuration(audience) {
  return {
    adapter: SharedMemoryAdapter,
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
    }],
    jwks: JWKS,
    async findAccount(_ctx, id) {
      return { accountId: id, async claims() { return { sub: id }; } };
    },
    async renderError(ctx, out) {
      ctx.type = 'application/json';
      ctx.body = out;
    },
    // Sesame's lifetimes: access and ID tokens 10 min, codes 60 s, refresh
    // tokens 30 days (their grant as long).
    ttl: {
      AccessToken: 600,
      ClientCredentials: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 3600,
      Session: 30 * DAY,
      Grant: 30 * DAY,
      RefreshToken: 30 * DAY,
    },
    cookies: { keys: ['sesame-bench-cookie-key'] },
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub'] },
    allowOmittingSingleRegisteredRedirectUri: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    // A refresh token for every code redemption (the codes carry offline_access),
    // rotated on every use, as Sesame does.
    issueRefreshToken: async () => true,
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    clientBasedCORS: () => false,
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256'],
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // client_credentials without `resource` gets the API, as at Sesame.
        defaultResource: async () => audience,
        // Code and refresh redemptions without `resource` get the granted one.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator !== audience) throw new errors.InvalidTarget();
          return {
            audience,
            scope: API_SCOPE,
            accessTokenTTL: 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  };
}

function sendJson(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

let provider;
let handler;
let audience;

/** N codes, each with its own Grant, as the authorization endpoint would save them. */
async function mintCodes(n) {
  const client = await provider.Client.find(CLIENT_ID);
  const codes = [];
  for (let i = 0; i < n; i += 1) {
    const grant = new provider.Grant({ accountId: 'alice', clientId: CLIENT_ID });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(audience, API_SCOPE);
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: 'alice',
      client,
      grantId,
      scope: SCOPE,
      redirectUri: REDIRECT_URI,
      codeChallenge: CODE_CHALLENGE,
      codeChallengeMethod: 'S256',
      resource: audience,
      authTime: Math.floor(Date.now() / 1000),
      expiresWithSession: false,
    });
    codes.push(await code.save());
  }
  return codes;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://internal');
  if (url.pathname === '/bench/codes' && req.method === 'POST') {
    req.resume();
    const n = Number.parseInt(url.searchParams.get('n') || '1', 10);
    if (!Number.isInteger(n) || n < 1 || n > MAX_CODES) {
      sendJson(res, 400, { error: 'invalid_request', error_description: `n: 1..${MAX_CODES}` });
      return;
    }
    mintCodes(n)
      .then((codes) => sendJson(res, 200, { codes, code_verifier: CODE_VERIFIER, redirect_uri: REDIRECT_URI }))
      .catch((err) => {
        console.error('token-bench.mjs: minting failed', err);
        sendJson(res, 500, { error: 'server_error', error_description: err.message });
      });
    return;
  }
  handler(req, res);
});

server.on('error', (err) => {
  console.error('token-bench.mjs: server error', err);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  const issuer = `http://${HOST}:${port}`;
  audience = `${issuer}/api`;
  provider = new Provider(issuer, configuration(audience));
  provider.on('server_error', (_ctx, err) => console.error('token-bench.mjs: server_error', err));
  if (process.env.BENCH_DEBUG) {
    provider.on('grant.error', (_ctx, err) => console.error(`token-bench.mjs: grant.error: ${err.message} ${err.error_description || ''}`));
  }
  handler = provider.callback();
  process.stdout.write(`READY ${issuer}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
