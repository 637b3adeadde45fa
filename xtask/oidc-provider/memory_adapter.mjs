// In-memory storage adapter for oidc-provider, shared by every Provider
// instance of this process.
//
// Why not the built-in one: in oidc-provider 9.13 the default memory adapter
// gets a fresh store per Provider instance (so a key rotation, which builds a
// new instance, would forget every session, code and refresh token), caps the
// store at 1000 entries (LRU), and prints a warning per instance. This one
// keeps everything in a single module-level Map until it expires.
//
// Interface: https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js

/** key -> { payload, expiresAt (ms epoch, Infinity if none) } */
const store = new Map();
/** grantId -> Set of keys of the tokens/codes issued under that grant */
const grants = new Map();
/** session uid -> session id; user code -> device code id */
const sessionUids = new Map();
const userCodes = new Map();

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

function live(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.payload;
}

// Drop expired entries now and then; the indexes are pruned lazily (a stale
// index entry just points to nothing).
setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.expiresAt <= now) store.delete(key);
  }
  for (const [grantId, keys] of grants) {
    for (const key of keys) if (!store.has(key)) keys.delete(key);
    if (!keys.size) grants.delete(grantId);
  }
  for (const index of [sessionUids, userCodes]) {
    for (const [k, id] of index) if (!store.has(id)) index.delete(k);
  }
}, 60_000).unref();

/**
 * Test hook (POST /__test/revoke?sub=…): forgets every grant, refresh token
 * and access token of an account, as an administrator revoking a user's
 * access would. Returns how many entries went.
 */
export function forgetAccount(accountId) {
  let removed = 0;
  for (const [key, entry] of store) {
    const model = key.slice(0, key.indexOf(':'));
    if (['Grant', 'RefreshToken', 'AccessToken'].includes(model) && entry.payload?.accountId === accountId) {
      store.delete(key);
      removed += 1;
    }
  }
  return removed;
}

export default class SharedMemoryAdapter {
  /** @param {string} model e.g. "Session", "AccessToken", "Grant" */
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(key, { payload, expiresAt });

    if (this.model === 'Session') sessionUids.set(payload.uid, key);
    if (payload.userCode) userCodes.set(payload.userCode, key);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, new Set());
      grants.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    return live(this.key(id));
  }

  async findByUid(uid) {
    const key = sessionUids.get(uid);
    return key ? live(key) : undefined;
  }

  async findByUserCode(userCode) {
    const key = userCodes.get(userCode);
    return key ? live(key) : undefined;
  }

  async consume(id) {
    const payload = live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grants.get(grantId) ?? []) store.delete(key);
    grants.delete(grantId);
  }
}
