'use strict';
// Journey 4, refusals:
//  - a restricted session (a pass alone) that tries to skip setup — resuming the authorization directly,
//    opening other pages, the admin console, the API, starting the application's flow again, even silently
//    with prompt=none — stays in setup and the application gets no code; once a method is registered,
//    Continue gets exactly one;
//  - a wrong pass and a pass for nobody are refused with the same words: the page says nothing about the
//    username; the audit trail has the reasons. A one-time pass typed correctly while another sign-in
//    holds it is told the truth: it is in use.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { startRelyingParty } = require('./lib/rp');
const {
  shooter,
  here,
  signInWithPass,
  expectSetup,
  registerPasskey,
  waitForRelyingParty,
  alertText,
  withoutStatusErrors,
  checkIdToken,
} = require('./lib/journey');

/** The one message for every pass refused before its passcode matched (src/login/tap.rs). */
const PASS_REFUSED =
  'That did not work. Check the username and the Temporary Access Pass, or ask your helpdesk for a new pass.';

describe('journey 4: refusals', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let rp;
  let clientSecret;
  const contexts = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    rp = await startRelyingParty({ issuer: server.url });
    ({ client_secret: clientSecret } = await server.cli(['client', 'add', 'intranet', '--redirect-uri', rp.redirectUri]));
  });

  afterEach(async () => {
    while (contexts.length) await contexts.pop().close().catch(() => {});
  });

  after(async () => {
    await rp?.stop();
    await browser?.close();
    await server?.stop();
  });

  async function open() {
    const p = await newPage(browser);
    contexts.push(p.context);
    return p;
  }

  it('a restricted session cannot skip setup: no page, no console, no API, no code until a method is registered', async () => {
    const JOURNEY = 'refusals-skip-setup';
    // An administrator, to show that even the console's own users get nowhere with a pass alone.
    const user = await server.cli(['user', 'add', 'grace', '--role', 'admin']);
    const pass = await server.cli(['tap', 'issue', 'grace']);
    const { page, errors } = await open();
    const shot = shooter(page, JOURNEY);
    const codes = () => rp.callbacks.filter((c) => c.code);

    // A pass sign-in for an application's request: the restricted session lands in setup.
    const first = rp.authorizationRequest({ clientId: 'intranet' });
    await page.goto(first.url);
    await signInWithPass(page, { username: 'grace', passcode: pass.passcode, shot });
    await expectSetup(page, { restricted: true });
    const resume = here(page).searchParams.get('return_to');
    assert.match(resume, /^\/authorize\/resume\?request=[\w-]+$/);
    await shot('restricted session in setup');

    // 1. Resuming the authorization directly: sent back to setup, no code.
    await page.goto(`${server.url}${resume}`);
    await expectSetup(page, { restricted: true });
    await shot('resume sends me back to setup');
    assert.deepEqual(codes(), []);

    // 2. The person's full security-info page: setup instead.
    await page.goto(`${server.url}/security-info`);
    await expectSetup(page, { restricted: true });

    // 3. The admin console: never shown. (Issue 5 says "sends it to setup"; a refusal page is also a no.)
    const admin = await page.goto(`${server.url}/admin`);
    await shot('admin console refused');
    const atSetup = here(page).pathname === '/security-info/setup';
    if (atSetup) {
      await expectSetup(page, { restricted: true });
    } else {
      assert.ok(admin.status() >= 400, `/admin answered ${admin.status()} at ${page.url()}`);
      assert.ok(!here(page).pathname.startsWith('/admin/'), `not inside the console: ${page.url()}`);
    }

    // 4. The admin API with the session's cookie: it takes bearer tokens only.
    const api = await page.request.get(`${server.url}/api/v1/users/${user.id}/temporary-access-pass`);
    assert.equal(api.status(), 401, `the API refuses a cookie: ${api.status()}`);

    // 5. The application's flow again: a new request is parked in setup as well.
    const second = rp.authorizationRequest({ clientId: 'intranet' });
    await page.goto(second.url);
    await expectSetup(page, { restricted: true });
    assert.match(here(page).searchParams.get('return_to'), /^\/authorize\/resume\?request=[\w-]+$/);
    await shot('a new authorization request lands in setup');

    // 6. Silently (prompt=none): the application is told that interaction is required, and no code.
    const silent = rp.authorizationRequest({ clientId: 'intranet', prompt: 'none' });
    await page.goto(silent.url);
    await waitForRelyingParty(page, rp);
    const silentCb = await rp.waitForCallback({ state: silent.state });
    assert.equal(silentCb.code, undefined);
    assert.ok(['interaction_required', 'login_required'].includes(silentCb.error), `error ${silentCb.error}`);
    await shot('prompt none gets an error, not a code');

    assert.deepEqual(codes(), [], 'no code was issued to a pass-only session');
    const methods = await server.cli(['method', 'list', 'grace']);
    assert.deepEqual(methods, [], 'nothing registered along the way');

    // Setup is the way through: register a passkey, Continue, and the request the pass sign-in began with
    // gets its code (the continuation belongs to each flow: a later request continues from its own setup
    // link, never by overwriting this one).
    await page.goto(`${server.url}/security-info/setup`);
    await expectSetup(page, { restricted: true });
    await addVirtualAuthenticator(page);
    await registerPasskey(page);
    await expectSetup(page, { restricted: false });
    await page.getByRole('link', { name: 'Continue' }).click();
    await waitForRelyingParty(page, rp);
    const cb = await rp.waitForCallback({ state: first.state });
    await shot('after setup continue gets the code');
    assert.ok(cb.code, `a code: ${cb.error} ${cb.error_description}`);
    const tokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: cb.code, codeVerifier: first.codeVerifier });
    const claims = checkIdToken(tokens, { issuer: server.url, clientId: 'intranet', nonce: first.nonce });
    assert.equal(claims.sub, user.id);
    assert.equal(claims.acr, '1fa');
    assert.ok(claims.amr.includes('tap'));
    assert.equal(codes().length, 1, 'exactly one code, after setup');

    assert.deepEqual(withoutStatusErrors(errors, 401, 403, 404), []);
  });

  it('a wrong pass and a pass for nobody read the same; a held one-time pass says it is in use', async () => {
    const JOURNEY = 'refusals-pass-reuse';
    await server.cli(['user', 'add', 'carol']);
    await server.cli(['user', 'add', 'dave']);
    const once = await server.cli(['tap', 'issue', 'carol', '--one-time']);
    assert.equal(once.one_time, true);
    await server.cli(['tap', 'issue', 'dave']);

    // First use: it works, and opens a restricted session.
    const first = await open();
    const shot1 = shooter(first.page, JOURNEY);
    await first.page.goto(`${server.url}/login`);
    await signInWithPass(first.page, { username: 'carol', passcode: once.passcode });
    await expectSetup(first.page, { restricted: true });
    await shot1('first use of the one-time pass works');
    const shown = await server.cli(['tap', 'show', 'carol']);
    assert.equal(shown.usable, false, 'held by the first sign-in');
    assert.equal(shown.reason, 'InUse');

    // Second use, in another browser: refused.
    const attempt = async (step, username, passcode) => {
      const { page, errors } = await open();
      const shot = shooter(page, JOURNEY);
      await page.goto(`${server.url}/login`);
      const response = await signInWithPass(page, { username, passcode });
      await shot(step);
      const result = {
        status: response.status(),
        path: here(page).pathname,
        heading: (await page.getByRole('heading', { level: 1 }).textContent()).trim(),
        alert: await alertText(page),
        fieldValue: await page.getByLabel('Temporary Access Pass', { exact: true }).inputValue(),
      };
      assert.deepEqual(withoutStatusErrors(errors, 422), []);
      return result;
    };
    const reused = await attempt('the same pass in a second browser is in use', 'carol', once.passcode);
    assert.equal(reused.status, 422);
    assert.equal(reused.path, '/login/tap', 'still on the pass form: no session');
    assert.match(reused.alert, /in use in another sign-in/);

    // A wrong pass for someone whose pass is fine, and a pass for nobody: word for word the same.
    const wrong = await attempt('a wrong pass is refused', 'dave', 'WRONG-PASS');
    const nobody = await attempt('a pass for nobody is refused the same way', 'nobody', once.passcode);
    assert.equal(wrong.alert, PASS_REFUSED);
    assert.deepEqual(nobody, wrong);

    // The reasons are in the audit trail, not on the page.
    const failures = await server.cli(['audit', 'list', '--action', 'tap.failed']);
    const reasons = failures.map((e) => e.details && e.details.reason);
    assert.ok(reasons.includes('InUse'), `audit reasons: ${JSON.stringify(reasons)}`);
    assert.ok(reasons.includes('wrong_passcode'), `audit reasons: ${JSON.stringify(reasons)}`);
    for (const r of reasons) assert.ok(!PASS_REFUSED.includes(r), `the page does not say ${r}`);
  });
});
