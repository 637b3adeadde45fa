// Drives a Sesame app in real headless Chromium (Debian's /usr/bin/chromium,
// through playwright-core) and prints one JSON line per scenario:
//   {"scenario": "...", "ok": true, ...facts}
// and exits 1 on the first failure (after a screenshot of the page).
//
// Env:
//   BASE         the app, e.g. http://127.0.0.1:4000
//   SCENARIOS    comma-separated: password, session, swagger, social (default: all)
//   SCREENSHOTS  directory for PNG screenshots (created)
//   SOCIAL_ID    the social provider's id (default github)
//   SOCIAL_NAME  its display name (default GitHub)
//   OP_PATH      the protected operation Swagger UI tries (default /api/me)
//   CHROMIUM     the browser (default /usr/bin/chromium)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE;
const SCENARIOS = (process.env.SCENARIOS || 'password,session,swagger,social').split(',');
const SHOTS = process.env.SCREENSHOTS || 'screenshots';
const SOCIAL_ID = process.env.SOCIAL_ID || 'github';
const SOCIAL_NAME = process.env.SOCIAL_NAME || 'GitHub';
const OP_PATH = process.env.OP_PATH || '/api/me';
const TIMEOUT = 15000;
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Without the background-networking flags Chromium keeps calling out to
  // Google's hosts, which this closed network refuses.
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

let current = null; // the page to photograph if a step fails
let shot = 0;
async function snap(page, name) {
  shot += 1;
  await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function signInOnLoginPage(page, user, password) {
  await page.waitForSelector('input[name=username]', { timeout: TIMEOUT });
  check(new URL(page.url()).pathname === '/authorize', `login page at ${page.url()}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
}

async function callApi(page, button) {
  await page.fill('#result', '').catch(() => {});
  await page.evaluate(() => { document.getElementById('result').textContent = ''; });
  await page.click(button);
  await page.waitForFunction(() => document.getElementById('result').textContent.length > 0, null, { timeout: TIMEOUT });
  return page.textContent('#result');
}

async function passwordLogin(context, user, password, tag) {
  const page = await context.newPage();
  current = page;
  await page.goto(`${BASE}/`);
  await snap(page, `${tag}-home`);
  await page.click('#signin');
  await signInOnLoginPage(page, user, password);
  await snap(page, `${tag}-login-page`);
  await page.click('button[type=submit]');
  await page.waitForSelector('#user', { timeout: TIMEOUT });
  const who = await page.textContent('#user');
  check(who === user, `signed in as ${who}, wanted ${user}`);
  return page;
}

const scenarios = {
  // The session after the login: the home page knows the user, a reload
  // keeps them signed in, signing out ends it, and the back button then
  // shows nothing private (the signed-in page is never cached).
  async session() {
    const context = await browser.newContext();
    const page = await passwordLogin(context, 'alice', 'alice-password', 'session');
    const token = (await page.textContent('#token')).trim();
    await page.goto(`${BASE}/`);
    await page.waitForSelector('#user', { timeout: TIMEOUT });
    check((await page.textContent('#user')) === 'alice', 'home page signed in as alice');
    await snap(page, 'session-home-signed-in');
    await page.reload();
    await page.waitForSelector('#user', { timeout: TIMEOUT });
    const reloaded = await page.textContent('#user');
    await snap(page, 'session-reloaded');
    const cookies = (await context.cookies()).map((c) => c.name);
    check(cookies.includes('sesame-session'), `session cookie kept: ${cookies}`);
    await page.click('#signout');
    await page.waitForSelector('#signin', { timeout: TIMEOUT });
    const afterUrl = page.url();
    await snap(page, 'session-signed-out');
    const left = (await context.cookies()).map((c) => c.name);
    check(!left.includes('sesame-session'), `session cookie cleared: ${left}`);
    await page.goBack();
    await page.waitForLoadState('load');
    await page.waitForTimeout(300);
    const html = await page.content();
    await snap(page, 'session-back-button');
    check(!html.includes(token), 'the back button shows the access token');
    check((await page.$('#user')) === null, 'the back button shows the signed-in page');
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    await context.close();
    return { reloaded, signed_out_at: new URL(afterUrl).pathname, back_shows_private: false, api_without_token: String(me) };
  },

  async password() {
    const alice = await browser.newContext();
    let page = await passwordLogin(alice, 'alice', 'alice-password', 'password-alice');
    const me = await callApi(page, '#call-me');
    check(me.startsWith('200 '), `alice GET /api/me: ${me}`);
    check(JSON.parse(me.slice(4)).sub === 'alice', `alice's sub: ${me}`);
    const admin = await callApi(page, '#call-admin');
    check(admin.startsWith('200 '), `alice GET /api/admin: ${admin}`);
    await snap(page, 'password-alice-api');
    await alice.close();

    const bob = await browser.newContext();
    page = await passwordLogin(bob, 'bob', 'bob-password', 'password-bob');
    const bobMe = await callApi(page, '#call-me');
    check(bobMe.startsWith('200 '), `bob GET /api/me: ${bobMe}`);
    const bobAdmin = await callApi(page, '#call-admin');
    check(bobAdmin.startsWith('403 '), `bob GET /api/admin: ${bobAdmin}`);
    await snap(page, 'password-bob-403');
    await bob.close();
    return { alice_me: me.slice(0, 3), alice_admin: admin.slice(0, 3), bob_me: bobMe.slice(0, 3), bob_admin: bobAdmin.slice(0, 3) };
  },

  async swagger() {
    const context = await browser.newContext();
    const page = await context.newPage();
    current = page;
    await page.goto(`${BASE}/docs/`);
    await page.waitForSelector('.scheme-container button.authorize', { timeout: TIMEOUT });
    await snap(page, 'swagger-ui');

    // Before signing in, the operation is refused.
    const op = page.locator('.opblock', { has: page.locator(`[data-path="${OP_PATH}"]`) }).first();
    await op.locator('.opblock-summary').first().click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: TIMEOUT });
    // The cell may add "Undocumented" after the code.
    const before = (await status.textContent()).trim().split(/\s+/)[0];
    check(before === '401', `before Authorize: ${before}`);

    // Authorize: the dialog, then the popup with Sesame's login page.
    await page.click('.scheme-container button.authorize');
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor({ timeout: TIMEOUT });
    const clientId = await dialog.locator('input#client_id, input[id^=client_id]').first().inputValue();
    await snap(page, 'swagger-authorize-dialog');
    const [popup] = await Promise.all([
      page.waitForEvent('popup', { timeout: TIMEOUT }),
      dialog.locator('button.authorize').first().click(),
    ]);
    current = popup;
    await signInOnLoginPage(popup, 'alice', 'alice-password');
    const authorizeUrl = new URL(popup.url());
    await snap(popup, 'swagger-popup-login');
    await Promise.all([popup.waitForEvent('close', { timeout: TIMEOUT }), popup.click('button[type=submit]')]);
    current = page;
    await dialog.locator('button.logout, button:has-text("Logout")').first().waitFor({ timeout: TIMEOUT });
    await snap(page, 'swagger-authorized');
    await dialog.locator('button.btn-done, button:has-text("Close")').first().click();

    // Try it out again, now with the token.
    await op.locator('button.execute').click();
    await page.waitForFunction(
      (path) => {
        const ops = [...document.querySelectorAll('.opblock')].filter((o) => o.querySelector(`[data-path="${path}"]`));
        const s = ops[0] && ops[0].querySelector('.live-responses-table tr.response .response-col_status');
        return s && s.textContent.trim().split(/\s+/)[0] === '200';
      },
      OP_PATH,
      { timeout: TIMEOUT },
    );
    const body = await op.locator('.live-responses-table tr.response .response-col_description pre').first().textContent();
    check(body.includes('"sub"') && body.includes('alice'), `Try it out body: ${body}`);
    const curl = await op.locator('.curl-command, .curl').first().textContent().catch(() => '');
    await snap(page, 'swagger-try-it-out');
    await context.close();
    return {
      client_id: clientId,
      code_challenge_method: authorizeUrl.searchParams.get('code_challenge_method'),
      has_code_challenge: !!authorizeUrl.searchParams.get('code_challenge'),
      has_client_secret: authorizeUrl.searchParams.has('client_secret'),
      scope: authorizeUrl.searchParams.get('scope'),
      before,
      after: '200',
      bearer_sent: curl.includes('Bearer'),
    };
  },

  async social() {
    const results = {};
    // From the app's page, and from the server's login page.
    for (const start of ['home', 'login-page']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      current = page;
      await page.goto(`${BASE}/`);
      if (start === 'home') {
        await page.click(`#signin-${SOCIAL_ID}`);
      } else {
        await page.click('#signin');
        await page.waitForSelector('a.sesame-social', { timeout: TIMEOUT });
        await snap(page, `social-login-page-buttons`);
        await page.click(`a.sesame-social:has-text("${SOCIAL_NAME}")`);
      }
      await page.waitForSelector('#user', { timeout: TIMEOUT });
      const who = await page.textContent('#user');
      check(who.startsWith(`${SOCIAL_ID}:`), `social sign-in as ${who}`);
      const me = await callApi(page, '#call-me');
      check(me.startsWith('200 '), `social GET /api/me: ${me}`);
      const claims = JSON.parse(me.slice(4)).claims;
      const admin = await callApi(page, '#call-admin');
      check(admin.startsWith('403 '), `social GET /api/admin: ${admin}`);
      await snap(page, `social-${start}-signed-in`);
      results[start] = { user: who, me: me.slice(0, 3), admin: admin.slice(0, 3), idp: claims.idp, email: claims.email };
      await context.close();
    }
    return results;
  },
};

let failed = false;
for (const name of SCENARIOS) {
  try {
    const facts = await scenarios[name]();
    console.log(JSON.stringify({ scenario: name, ok: true, ...facts }));
  } catch (e) {
    failed = true;
    if (current) await snap(current, `${name}-FAILED`).catch(() => {});
    console.log(JSON.stringify({ scenario: name, ok: false, error: String(e && e.message || e), url: current && current.url() }));
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
