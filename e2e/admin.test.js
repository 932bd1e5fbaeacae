'use strict';
// The admin console in a real browser: a helpdesk person signs in with a passkey (registered first through a
// Temporary Access Pass), finds a new user, issues a pass and reads it from the page; the new user completes
// the first-day journey with it; the helpdesk person sees the issue and the use in the audit view. An
// administrator changes the pass policy and sees a validation message for an out-of-range value.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator, screenshot } = require('./lib/browser');

const JOURNEY = 'admin';

/** Types the username on /login (whatever query it carries) and goes on to the choice of methods. */
async function enterUsername(page, username) {
  await page.fill('#username', username);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login/methods' || u.pathname.startsWith('/admin')),
    page.click('#username-form button[type=submit]'),
  ]);
}

/** First day: sign in with a pass and register a passkey on the virtual authenticator. */
async function firstDay(page, server, username, passcode, journey) {
  await page.goto(`${server.url}/login`);
  await enterUsername(page, username);
  await page.click('#tap-link');
  await page.fill('#passcode', passcode);
  await Promise.all([page.waitForURL(/\/security-info\/setup/), page.click('#tap-form button[type=submit]')]);
  await Promise.all([page.waitForSelector('#setup-done'), page.click('#add-passkey')]);
  if (journey) await screenshot(page, JOURNEY, journey);
}

/** Opens a console page; the console asks for a passkey (step-up) and comes back to it. */
async function openConsole(page, server, path, username) {
  const response = await page.goto(`${server.url}${path}`);
  const landed = new URL(response.url());
  assert.match(landed.pathname, /^\/login/, 'a session below phr is sent to sign in');
  assert.equal(landed.searchParams.get('level'), 'phr');
  assert.equal(landed.searchParams.get('return_to'), path);
  const back = (u) => u.pathname.startsWith('/admin');
  // The sign-in page may offer the passkey at once (autofill of a discoverable passkey): then the browser
  // comes back by itself. Otherwise: the username, then the passkey button (the only choice offered).
  await page.waitForURL((u) => back(u) || u.pathname === '/login/methods', { timeout: 5000 }).catch(() => {});
  if (new URL(page.url()).pathname === '/login') await enterUsername(page, username);
  if (new URL(page.url()).pathname === '/login/methods') {
    assert.equal(await page.locator('#totp-link').count(), 0, 'no app code for the console: only a passkey (or a pass that leads to one)');
    await Promise.all([page.waitForURL(back), page.click('#passkey-button')]);
  }
  await page.waitForURL(back);
  const here = new URL(page.url());
  assert.equal(here.pathname + here.search, path);
}

describe('admin console', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let context;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('helpdesk issues a first-day pass in the console and sees it issued and used in the audit view', async () => {
    await server.cli(['user', 'add', 'hal', '--role', 'helpdesk']);
    const halPass = await server.cli(['tap', 'issue', 'hal']);
    await server.cli(['user', 'add', 'nina.new', '--name', 'Nina New']);

    // The helpdesk person: passkey first (through a pass), then the console with it.
    const desk = await newPage(browser);
    context = desk.context;
    const deskPage = desk.page;
    await addVirtualAuthenticator(deskPage);
    await firstDay(deskPage, server, 'hal', halPass.passcode, 'helpdesk-passkey-registered');
    await openConsole(deskPage, server, '/admin/users', 'hal');
    assert.equal(await deskPage.textContent('#console-user'), 'hal');

    // Find the new user and issue a pass.
    await deskPage.fill('#q', 'nina');
    await Promise.all([deskPage.waitForURL(/q=nina/), deskPage.click('#user-search')]);
    await screenshot(deskPage, JOURNEY, 'found the new user');
    await Promise.all([deskPage.waitForURL(/\/admin\/users\/[^/?]+$/), deskPage.click('#users a:has-text("nina.new")')]);
    await Promise.all([deskPage.waitForURL(/\/pass$/), deskPage.click('#issue-pass')]);
    assert.match(await deskPage.locator('#lifetime option:checked').textContent(), /default/);
    await deskPage.check('input[name=use][value=one-time]');
    await Promise.all([deskPage.waitForSelector('#passcode'), deskPage.click('#issue-submit')]);
    const groups = await deskPage.locator('#passcode .group').allTextContents();
    const passcode = groups.join('-');
    assert.ok(groups.length >= 2, `grouped for reading: ${passcode}`);
    assert.match(await deskPage.textContent('#shown-once'), /will not be shown again/);
    assert.equal(await deskPage.getAttribute('#copy-passcode', 'data-copy'), passcode);
    assert.match(await deskPage.getAttribute('#valid-until time', 'datetime'), /^\d{4}-\d\d-\d\dT[\d:]+Z$/, 'the end, in UTC for the script');
    await screenshot(deskPage, JOURNEY, 'pass issued shown once');

    // The new user's first day with it.
    const nina = await newPage(browser);
    await addVirtualAuthenticator(nina.page);
    await firstDay(nina.page, server, 'nina.new', passcode, 'new user registered a passkey');
    await nina.context.close();

    // The audit view shows the issue (by hal) and the use.
    await deskPage.goto(`${server.url}/admin/audit?user=nina.new&action=tap.`);
    const rows = deskPage.locator('#events tbody tr');
    const events = await rows.evaluateAll((trs) => trs.map((tr) => ({
      action: tr.querySelector('.action').textContent.trim(),
      actor: tr.querySelector('.actor').textContent.trim(),
    })));
    assert.ok(events.some((e) => e.action === 'tap.issued' && e.actor === 'hal'), JSON.stringify(events));
    assert.ok(events.some((e) => e.action === 'tap.used'), JSON.stringify(events));
    await screenshot(deskPage, JOURNEY, 'audit shows issue and use');
    assert.deepEqual(desk.errors, []);
  });

  it('an administrator changes the policy and sees a message beside an out-of-range value', async () => {
    await server.cli(['user', 'add', 'ada', '--role', 'admin']);
    const adaPass = await server.cli(['tap', 'issue', 'ada']);

    const admin = await newPage(browser);
    context = admin.context;
    const page = admin.page;
    await addVirtualAuthenticator(page);
    await firstDay(page, server, 'ada', adaPass.passcode);
    await openConsole(page, server, '/admin/policy', 'ada');

    await page.fill('#max_lifetime', '99999');
    await Promise.all([page.waitForSelector('#max_lifetime-error'), page.click('#policy-save')]);
    assert.equal(await page.textContent('#max_lifetime-error'), 'Enter a whole number from 10 to 43200.');
    assert.equal(await page.getAttribute('#max_lifetime', 'aria-invalid'), 'true');
    await screenshot(page, JOURNEY, 'policy out of range');

    await page.fill('#max_lifetime', '720');
    await Promise.all([page.waitForSelector('#done'), page.click('#policy-save')]);
    assert.equal(await page.inputValue('#max_lifetime'), '720');
    const policy = await server.cli(['tap', 'policy', 'show']);
    assert.equal(policy.max_lifetime, 720);
    await screenshot(page, JOURNEY, 'policy saved');
    // The refused form answers 422 on purpose; Chromium logs that status as a console error.
    assert.deepEqual(admin.errors.filter((e) => !/status of 422/.test(String(e))), []);
  });
});
