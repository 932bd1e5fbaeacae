'use strict';
// The helpdesk console at the edges: a passcode is shown once and a reload of its page issues nothing (it says
// the passcode was already shown and offers a new one); the lost-phone flow (remove every method) goes straight
// on to "Issue a new pass now" for that person by name, and the new pass signs them in; an unknown address in the
// browser is a readable page with a way back, not JSON. Every page changed is shot at 1280×800 and 390×844.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { bothWidths } = require('./lib/shots');
const { here, waitForPath, enrolPasskeyWithPass, signInWithPass, expectSetup, withoutStatusErrors } = require('./lib/journey');

const JOURNEY = 'console';
const shootBoth = bothWidths(JOURNEY);

/** Opens a console page with the passkey on the page's virtual authenticator (step-up if asked). */
async function openConsole(page, server, path, username) {
  await page.goto(`${server.url}${path}`);
  const back = (u) => u.pathname.startsWith('/admin');
  await page.waitForURL((u) => back(u) || u.pathname === '/login/methods', { timeout: 5000 }).catch(() => {});
  if (here(page).pathname === '/login') {
    await page.fill('#username', username);
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

async function passesIssued(server, username) {
  const events = await server.cli(['audit', 'list', '--user', username, '--action', 'tap.issued']);
  return events.length;
}

describe('console: shown once, lost phone → new pass, pages for browser errors', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let contexts = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await server.cli(['user', 'add', 'hal', '--role', 'helpdesk']);
    await server.cli(['user', 'add', 'sam', '--name', 'Sam Smith']);
  });

  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    contexts = [];
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** hal, signed in to the console with a passkey registered through a pass. */
  async function helpdesk() {
    const desk = await newPage(browser);
    contexts.push(desk.context);
    await addVirtualAuthenticator(desk.page);
    const pass = await server.cli(['tap', 'issue', 'hal']);
    await enrolPasskeyWithPass(desk.page, { server, username: 'hal', passcode: pass.passcode });
    return desk;
  }

  it('a reload of the page that shows a new passcode issues nothing and says it was already shown', async () => {
    const { page, errors } = await helpdesk();
    const sam = (await server.cli(['user', 'show', 'sam'])).id;
    await openConsole(page, server, `/admin/users/${sam}/pass`, 'hal');
    await page.getByRole('heading', { name: /Issue a Temporary Access Pass/ }).waitFor();
    await shootBoth(page, 'issue form');
    const before = await passesIssued(server, 'sam');

    await Promise.all([page.waitForSelector('#passcode'), page.click('#issue-submit')]);
    assert.match(here(page).pathname, /\/pass\/issued$/, 'the passcode is on a page of its own (post/redirect/get)');
    const passcode = (await page.locator('#passcode .group').allTextContents()).join('-');
    await shootBoth(page, 'passcode shown once');

    await page.reload();
    await page.locator('#already-shown').waitFor();
    assert.match(await page.textContent('#already-shown'), /This passcode was already shown/);
    assert.ok(!(await page.content()).includes(passcode), 'the passcode is not shown again');
    assert.equal(await passesIssued(server, 'sam'), before + 1, 'the reload issued no second pass');
    await shootBoth(page, 'reload says already shown');

    // The page offers a new one, deliberately.
    await Promise.all([waitForPath(page, `/admin/users/${sam}/pass`), page.click('#make-new')]);
    await page.locator('#issue-form').waitFor();
    assert.deepEqual(errors, []);
  });

  it('lost phone: remove every method, then "Issue a new pass now" for that person, who signs in with it', async () => {
    // Sam had a passkey on the phone now lost.
    const phone = await newPage(browser);
    contexts.push(phone.context);
    await addVirtualAuthenticator(phone.page);
    const first = await server.cli(['tap', 'issue', 'sam']);
    await enrolPasskeyWithPass(phone.page, { server, username: 'sam', passcode: first.passcode });

    const { page, errors } = await helpdesk();
    const sam = (await server.cli(['user', 'show', 'sam'])).id;
    await openConsole(page, server, `/admin/users/${sam}`, 'hal');
    await Promise.all([waitForPath(page, `/admin/users/${sam}/methods/remove`), page.click('#remove-all')]);
    await shootBoth(page, 'confirm removing every method');
    await Promise.all([waitForPath(page, `/admin/users/${sam}`), page.click('#confirm-remove')]);
    assert.deepEqual(await server.cli(['method', 'list', 'sam']), []);
    const offer = page.getByRole('button', { name: 'Issue a new pass now for Sam Smith (sam)' });
    await offer.waitFor();
    await shootBoth(page, 'methods removed next step a new pass');

    await Promise.all([page.waitForSelector('#passcode'), offer.click()]);
    const passcode = (await page.locator('#passcode .group').allTextContents()).join('-');
    await shootBoth(page, 'new pass for the new phone');

    const newPhone = await newPage(browser);
    contexts.push(newPhone.context);
    await newPhone.page.goto(`${server.url}/login`);
    await signInWithPass(newPhone.page, { username: 'sam', passcode });
    await expectSetup(newPhone.page, { restricted: true });
    assert.deepEqual(withoutStatusErrors(errors), []);
  });

  it('an unknown address in the browser is a page with a way back', async () => {
    const { context, page, errors } = await newPage(browser);
    contexts.push(context);
    const response = await page.goto(`${server.url}/admin/no-such-page`);
    assert.equal(response.status(), 404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Go to your security info' }).isVisible());
    await shootBoth(page, 'page not found');
    assert.deepEqual(withoutStatusErrors(errors, 404), []);
  });
});
