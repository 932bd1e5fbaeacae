'use strict';
// The console for a real directory: the users list with its total, filters and numbered pages whose links
// keep the filters, each row with its pass and method count. Every page changed is shot at 1280×800 and
// 390×844.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator, screenshot } = require('./lib/browser');
const { here, waitForPath, enrolPasskeyWithPass } = require('./lib/journey');

const JOURNEY = 'console-scale';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** A screenshot of the page as it is, at desktop width and at phone width. */
async function shootBoth(page, step) {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, JOURNEY, `${step} desktop`);
  await page.setViewportSize(PHONE);
  await screenshot(page, JOURNEY, `${step} phone`);
  await page.setViewportSize(DESKTOP);
}

describe('console at scale: the users list', { timeout: 240_000 }, () => {
  let server;
  let browser;
  let contexts = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await server.cli(['user', 'add', 'ann', '--role', 'admin', '--name', 'Ann Admin']);
    // Thirty people without a role, three of them disabled: two pages of people.
    for (let i = 1; i <= 30; i++) {
      const n = String(i).padStart(2, '0');
      await server.cli(['user', 'add', `person${n}`, '--name', `Person ${n}`, '--email', `person${n}@example.com`]);
      if (i % 10 === 0) await server.cli(['user', 'disable', `person${n}`]);
    }
    await server.cli(['tap', 'issue', 'person05']);
  });

  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    contexts = [];
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** ann, signed in to the console with a passkey registered through a pass. */
  async function administrator(opts = {}) {
    const session = await newPage(browser, opts);
    contexts.push(session.context);
    await addVirtualAuthenticator(session.page);
    const pass = await server.cli(['tap', 'issue', 'ann']);
    await enrolPasskeyWithPass(session.page, { server, username: 'ann', passcode: pass.passcode });
    return session;
  }

  /** Opens a console page, stepping up with the passkey when asked. */
  async function openConsole(page, path) {
    await page.goto(`${server.url}${path}`);
    const back = (u) => u.pathname.startsWith('/admin');
    await page.waitForURL((u) => back(u) || u.pathname === '/login/methods', { timeout: 5000 }).catch(() => {});
    if (here(page).pathname === '/login') {
      await page.fill('#username', 'ann');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login/methods' || back(u)),
        page.click('#username-form button[type=submit]'),
      ]);
    }
    if (here(page).pathname === '/login/methods') {
      await Promise.all([page.waitForURL(back), page.click('#passkey-button')]);
    }
    await page.waitForURL(back);
  }

  it('the users list has a total, filters and numbered pages whose links keep the filters', async () => {
    const { page, errors } = await administrator();
    await openConsole(page, '/admin/users');
    assert.match(await page.textContent('#users-total'), /^1–25 of 32 users$/);
    await shootBoth(page, 'users first page');

    await page.getByLabel('Role').selectOption('none');
    await page.getByLabel('Account').selectOption('enabled');
    await Promise.all([waitForPath(page, '/admin/users'), page.getByRole('button', { name: 'Search' }).click()]);
    assert.match(await page.textContent('#users-total'), /^1–25 of 27 users$/);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('page') === '2'),
      page.getByRole('navigation', { name: 'Pages of users' }).getByRole('link', { name: '2', exact: true }).click(),
    ]);
    const url = here(page);
    assert.equal(url.searchParams.get('role'), 'none', 'the page link kept the role');
    assert.equal(url.searchParams.get('account'), 'enabled', 'the page link kept the account filter');
    assert.match(await page.textContent('#users-total'), /^26–27 of 27 users$/);
    assert.equal(await page.getByLabel('Role').inputValue(), 'none');
    await shootBoth(page, 'users filtered second page');

    await page.getByLabel('Temporary Access Pass').selectOption('usable');
    await page.getByLabel('Role').selectOption('');
    await page.getByLabel('Account').selectOption('');
    await Promise.all([waitForPath(page, '/admin/users'), page.getByRole('button', { name: 'Search' }).click()]);
    const rows = page.locator('#users tbody tr');
    // The bootstrap administrator's first pass and ann's own (she enrolled with it) are usable too.
    assert.deepEqual(await rows.locator('td:first-child').allTextContents(), ['admin', 'ann', 'person05']);
    assert.match(await rows.nth(2).locator('td.pass').textContent(), /^Usable, until /);
    await shootBoth(page, 'users with a usable pass');

    const bad = await page.goto(`${server.url}/admin/users?page=abc&role=root`);
    assert.equal(bad.status(), 400);
    assert.match(await page.locator('.alert.error').first().textContent(), /Role must be admin, helpdesk, none/);
    await shootBoth(page, 'users bad filter');
    assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  });
});
