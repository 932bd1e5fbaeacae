'use strict';
// Journey 7, the pass holder (issue #13's sign-in side):
//  - each pass sign-in error says what happened once the passcode is right (expired at …, already used,
//    starts at …, locked after too many wrong tries, account disabled), while a wrong pass and a pass for
//    nobody read the same;
//  - a pass holder opening /admin first: "First day, or lost your phone?" → pass → setup asks for a passkey →
//    one more touch with it → the console;
//  - two tabs during enrolment (an application in one, the console in the other) each end where they began;
//  - the authenticator-app page opens the app on the phone showing it and copies the key;
//  - the setup window ends: the page says so in plain words, and the one-time pass works again.
// Every page this issue changed is shot at 1280×800 and 390×844.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { bothWidths, PHONE } = require('./lib/shots');
const { startRelyingParty } = require('./lib/rp');
const {
  here,
  waitForPath,
  enterUsername,
  signInWithPass,
  expectSetup,
  registerPasskey,
  alertText,
  withoutStatusErrors,
} = require('./lib/journey');

const JOURNEY = 'pass-holder';
const shootBoth = bothWidths(JOURNEY);
const run = promisify(execFile);

/** The one message for a pass refused before its passcode matched (src/login/tap.rs). */
const PASS_REFUSED =
  'That did not work. Check the username and the Temporary Access Pass, or ask your helpdesk for a new pass.';

/** Runs one SQL statement on the server's database (tests only: to move a pass's end into the past). */
async function sql(server, statement) {
  if (server.databaseUrl.startsWith('sqlite://')) {
    await run('sqlite3', [server.databaseUrl.slice('sqlite://'.length), statement]);
  } else {
    await run('psql', [server.databaseUrl, '-v', 'ON_ERROR_STOP=1', '-c', statement]);
  }
}

/**
 * After a passkey step-up sends the page to /login: the passkey signs in — by autofill on the username field
 * (the virtual authenticator answers at once), or with Next and "Use a passkey" — and the page reaches `until`.
 */
async function stepUpWithPasskey(page, until) {
  const next = (u) => until(u) || u.pathname === '/login/methods';
  await page.waitForURL(next, { timeout: 5000 }).catch(() => {});
  if (here(page).pathname === '/login') {
    await Promise.all([page.waitForURL(next), page.click('#username-form button[type=submit]')]);
  }
  if (here(page).pathname === '/login/methods') {
    await Promise.all([page.waitForURL(until), page.click('#passkey-button')]);
  }
  await page.waitForURL(until);
}

describe('journey 7: the pass holder', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let rp;
  const contexts = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    rp = await startRelyingParty({ issuer: server.url });
    await server.cli(['client', 'add', 'intranet', '--redirect-uri', rp.redirectUri]);
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

  it('each pass sign-in error tells the truth once the passcode is right; a wrong one tells nothing', async () => {
    for (const name of ['exp', 'used', 'later', 'locked', 'off']) await server.cli(['user', 'add', name]);
    const expired = await server.cli(['tap', 'issue', 'exp']);
    await sql(server, `UPDATE passes SET starts_at = starts_at - 7200, ends_at = ends_at - 7200 WHERE id = '${expired.id}'`);
    const used = await server.cli(['tap', 'issue', 'used', '--one-time']);
    const start = new Date(Date.now() + 2 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const later = await server.cli(['tap', 'issue', 'later', '--start', start]);
    const locked = await server.cli(['tap', 'issue', 'locked']);
    const off = await server.cli(['tap', 'issue', 'off']);
    await server.cli(['user', 'disable', 'off']);

    // The one-time pass sets up a passkey first: that spends it.
    const first = await open();
    await addVirtualAuthenticator(first.page);
    await first.page.goto(`${server.url}/login`);
    await signInWithPass(first.page, { username: 'used', passcode: used.passcode });
    await registerPasskey(first.page);
    await expectSetup(first.page, { restricted: false });

    const attempt = async (username, passcode, step) => {
      const { page, errors } = await open();
      await page.goto(`${server.url}/login`);
      const response = await signInWithPass(page, { username, passcode });
      assert.equal(response.status(), 422, `${username}: refused`);
      assert.equal(here(page).pathname, '/login/tap');
      const alert = await alertText(page);
      if (step) await shootBoth(page, step);
      assert.deepEqual(withoutStatusErrors(errors, 422), []);
      return alert;
    };

    // The pass page says how many wrong tries lock a pass.
    {
      const { page } = await open();
      await page.goto(`${server.url}/login`);
      await enterUsername(page, { username: 'locked' });
      await page.getByRole('link', { name: 'Use the Temporary Access Pass from your helpdesk' }).click();
      await waitForPath(page, '/login/tap');
      assert.match(await page.locator('#passcode-hint').textContent(), /After 5 wrong tries the pass locks/);
      await shootBoth(page, 'pass page says how many wrong tries lock it');
    }
    const wrong = await attempt('locked', 'WRONG-PASS', 'a wrong pass tells nothing');
    assert.equal(wrong, PASS_REFUSED);
    assert.equal(await attempt('nobody', 'WRONG-PASS'), PASS_REFUSED, 'a pass for nobody reads the same');
    for (let i = 0; i < 4; i++) await attempt('locked', 'WRONG-PASS');

    const expiredSaid = await attempt('exp', expired.passcode, 'expired');
    assert.match(expiredSaid, /expired at \d{4}-\d\d-\d\d \d\d:\d\d|expired at .*ago/);
    assert.match(await attempt('used', used.passcode, 'already used'), /already used/);
    assert.match(await attempt('later', later.passcode, 'starts later'), /starts at/);
    assert.match(await attempt('locked', locked.passcode, 'locked'), /locked after too many wrong tries/);
    assert.match(await attempt('off', off.passcode, 'account disabled'), /account is disabled/);
  });

  it('a pass holder opening the console first adds a passkey and reaches it with one more touch', async () => {
    await server.cli(['user', 'add', 'ann', '--role', 'admin']);
    const pass = await server.cli(['tap', 'issue', 'ann', '--one-time']);
    const { page, errors } = await open();
    await addVirtualAuthenticator(page);

    await page.goto(`${server.url}/admin`);
    await waitForPath(page, '/login');
    assert.equal(here(page).searchParams.get('level'), 'phr');
    await enterUsername(page, { username: 'ann' });
    assert.match(await page.locator('#passkey-only').textContent(), /This application asks for a passkey/);
    const offer = await page.locator('#pass-offer').textContent();
    assert.match(offer, /First day, or lost your phone\?/);
    assert.match(offer, /Temporary Access Pass from your helpdesk/);
    await shootBoth(page, 'passkey-only page offers the pass');

    await page.getByRole('link', { name: 'Use the Temporary Access Pass from your helpdesk' }).click();
    await waitForPath(page, '/login/tap');
    assert.match(await page.locator('#passkey-next').textContent(), /asks for a passkey/);
    await shootBoth(page, 'pass page on the way to a passkey');
    await page.getByLabel('Temporary Access Pass', { exact: true }).fill(pass.passcode);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
    await expectSetup(page, { restricted: true });
    assert.match(await page.locator('#passkey-asked').textContent(), /asks for a passkey/);
    assert.equal(await page.getByRole('link', { name: 'Add an authenticator app' }).count(), 0);
    await shootBoth(page, 'setup asks for a passkey');

    await registerPasskey(page);
    await expectSetup(page, { restricted: false });
    await shootBoth(page, 'passkey added continue to sign in with it');

    // Registration alone is not a passkey sign-in: the console asks for one more touch.
    await page.getByRole('link', { name: 'Continue' }).click();
    await stepUpWithPasskey(page, (u) => u.pathname.startsWith('/admin'));
    assert.ok(here(page).pathname.startsWith('/admin'), `in the console: ${page.url()}`);

    // And /security-info now leads back to it.
    await page.goto(`${server.url}/security-info`);
    assert.match(await page.locator('#console-link').textContent(), /open the admin console/);
    await shootBoth(page, 'security info links the console');
    assert.deepEqual(withoutStatusErrors(errors, 401, 403), []);
  });

  it('two tabs during enrolment each end where they began', async () => {
    await server.cli(['user', 'add', 'tom', '--role', 'admin']);
    const pass = await server.cli(['tap', 'issue', 'tom', '--one-time']);
    const { context, page: tab1 } = await open();
    const laptop = await addVirtualAuthenticator(tab1);

    // Tab 1: the application sends tom to sign in; the pass opens setup for it.
    const req = rp.authorizationRequest({ clientId: 'intranet' });
    await tab1.goto(req.url);
    await signInWithPass(tab1, { username: 'tom', passcode: pass.passcode });
    await expectSetup(tab1, { restricted: true });
    const appSetup = here(tab1).searchParams.get('return_to');
    assert.match(appSetup, /^\/authorize\/resume/);

    // Tab 2: a side trip to the console, which sends the pass session to setup for its own flow.
    const tab2 = await context.newPage();
    await tab2.goto(`${server.url}/admin`);
    await expectSetup(tab2, { restricted: true });
    assert.ok(here(tab2).searchParams.get('return_to').startsWith('/admin'), tab2.url());
    await shootBoth(tab2, 'second tab setup for the console');

    // Tab 1 adds the passkey and continues to the application.
    await tab1.bringToFront();
    await registerPasskey(tab1);
    await expectSetup(tab1, { restricted: false });
    assert.equal(here(tab1).searchParams.get('return_to'), appSetup, 'tab 1 keeps its own flow');
    await tab1.getByRole('link', { name: 'Continue' }).click();
    await tab1.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
    const cb = await rp.waitForCallback({ state: req.state });
    assert.ok(cb.code, `the application got a code: ${cb.error} ${cb.error_description}`);

    // Tab 2, reloaded: all set too, and its Continue leads to the console (after the passkey touch; a
    // virtual authenticator belongs to one tab, so tab 2 gets one holding the same passkey).
    await tab2.bringToFront();
    const sameLaptop = await addVirtualAuthenticator(tab2);
    await sameLaptop.addCredentials(await laptop.credentials());
    await tab2.reload();
    await expectSetup(tab2, { restricted: false });
    await tab2.getByRole('link', { name: 'Continue' }).click();
    await stepUpWithPasskey(tab2, (u) => u.pathname.startsWith('/admin'));
    assert.ok(here(tab2).pathname.startsWith('/admin'), `tab 2 in the console: ${tab2.url()}`);
  });

  it('the authenticator app page on a phone: an otpauth link, a copy button, the key in fours', async () => {
    await server.cli(['user', 'add', 'pat']);
    const pass = await server.cli(['tap', 'issue', 'pat', '--one-time']);
    const { page, errors } = await open();
    await page.setViewportSize(PHONE);
    await page.goto(`${server.url}/login`);
    await signInWithPass(page, { username: 'pat', passcode: pass.passcode });
    await expectSetup(page, { restricted: true });
    await page.getByRole('link', { name: 'Add an authenticator app' }).click();
    await waitForPath(page, '/security-info/totp');
    const open_ = page.getByRole('link', { name: 'Open in authenticator app' });
    assert.match(await open_.getAttribute('href'), /^otpauth:\/\/totp\//);
    assert.ok(await page.getByRole('button', { name: 'Copy the key' }).isVisible());
    assert.match((await page.locator('#totp-secret').textContent()).trim(), /^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/);
    await shootBoth(page, 'authenticator app page');
    assert.deepEqual(errors, []);
  });

  it('the setup window ends: plain words, and the one-time pass works again', async () => {
    await server.cli(['tap', 'policy', 'set', '--enrollment-window', '1']);
    await server.cli(['user', 'add', 'wen']);
    const pass = await server.cli(['tap', 'issue', 'wen', '--one-time']);
    const { page, errors } = await open();
    await page.goto(`${server.url}/login`);
    await signInWithPass(page, { username: 'wen', passcode: pass.passcode });
    await expectSetup(page, { restricted: true });
    assert.match(await page.locator('#session-ends').textContent(), /left/);
    await shootBoth(page, 'setup counts down its window');
    assert.equal((await server.cli(['tap', 'show', 'wen'])).reason, 'InUse');

    await page.locator('#window-over').waitFor({ state: 'visible', timeout: 90_000 });
    const words = await page.locator('#window-over').textContent();
    assert.match(words, /Your setup time is over/);
    assert.match(words, /was not used up/);
    assert.equal(await page.getByRole('button', { name: 'Add a passkey' }).isVisible(), false);
    await shootBoth(page, 'setup window over in plain words');
    const shown = await server.cli(['tap', 'show', 'wen']);
    assert.equal(shown.usable, true, `the pass works again: ${JSON.stringify(shown)}`);

    await page.getByRole('link', { name: 'Sign in again' }).click();
    await signInWithPass(page, { username: 'wen', passcode: pass.passcode });
    await expectSetup(page, { restricted: true });
    const released = await server.cli(['audit', 'list', '--action', 'tap.released']);
    assert.equal(released.length, 1, JSON.stringify(released));
    assert.equal(released[0].details.reason, 'setup_window_over');
    assert.deepEqual(withoutStatusErrors(errors, 401), []);
  });
});
