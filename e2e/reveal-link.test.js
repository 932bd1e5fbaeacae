'use strict';
// The one-time reveal link, as the person who receives it sees it. The HR system creates the new hire
// through SCIM with an employee number; the helpdesk issues a pass as a link (`tapid tap issue
// --reveal-link`) instead of reading a passcode aloud; the deployment confirms openers by the last four
// digits of the employee number (`reveal.confirm = "employee_number"`). Then: a wrong confirmation is
// refused and the link stays closed; the right one shows the passcode once; a second open says it was
// already opened; a link past its lifetime says it expired.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, screenshot } = require('./lib/browser');
const { request } = require('./lib/net');

const JOURNEY = 'reveal-link';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Creates `userName` through SCIM, as an HR system would, with this employee number. */
async function provision(server, token, userName, employeeNumber) {
  const res = await request(`${server.url}/scim/v2/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName,
      [ENTERPRISE]: { employeeNumber },
    }),
  });
  assert.equal(res.status, 201, res.text);
}

async function scimToken(server) {
  const { client_secret: secret } = await server.cli([
    'client', 'add', 'hr-system', '--grant', 'client_credentials', '--scope', 'scim', '--role', 'admin',
  ]);
  const res = await request(`${server.url}/token`, {
    headers: { authorization: `Basic ${Buffer.from(`hr-system:${secret}`).toString('base64')}` },
    form: { grant_type: 'client_credentials', scope: 'scim' },
  });
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

describe('one-time reveal link', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let context;
  let link;

  before(async () => {
    server = await startServer({
      env: { TAPID_REVEAL__CONFIRM: 'employee_number', TAPID_REVEAL__LIFETIME_MINUTES: '1' },
    });
    browser = await launchBrowser();
    const token = await scimToken(server);
    await provision(server, token, 'nina', 'E-00427731');
    await provision(server, token, 'omar', '88-1206');
    const issued = await server.cli(['tap', 'issue', 'nina', '--reveal-link', '--one-time']);
    link = issued.reveal_link.url;
    assert.ok(!('passcode' in issued), 'the issuer gets the link, not the passcode');
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('refuses a wrong confirmation and keeps the link closed', async () => {
    let page;
    ({ context, page } = await newPage(browser));
    await page.goto(link);
    await screenshot(page, JOURNEY, 'link opened: asks for the employee number');
    await page.getByLabel("The last four digits of nina's employee number").fill('1234');
    await page.getByRole('button', { name: 'Show the pass' }).click();
    const alert = page.locator('#reveal-error');
    await alert.waitFor();
    assert.match(await alert.textContent(), /not the last four digits/);
    assert.equal(await page.locator('#passcode').count(), 0);
    await screenshot(page, JOURNEY, 'wrong digits refused');
    const failed = await server.cli(['audit', 'list', '--action', 'tap.reveal_failed']);
    assert.equal(failed.length, 1);
  });

  it('shows the passcode once to whoever confirms first', async () => {
    let page;
    ({ context, page } = await newPage(browser));
    await page.goto(link);
    await page.getByLabel("The last four digits of nina's employee number").fill('7731');
    await page.getByRole('button', { name: 'Show the pass' }).click();
    const shown = page.locator('#passcode');
    await shown.waitFor();
    const passcode = (await shown.textContent()).trim();
    assert.match(passcode, /^[A-Z0-9]{4}([A-Z0-9]{4})+$/, passcode);
    await screenshot(page, JOURNEY, 'passcode shown once');
    assert.ok(!link.includes(passcode), 'the passcode is not in the link');
    const revealed = await server.cli(['audit', 'list', '--action', 'tap.revealed']);
    assert.equal(revealed.length, 1);
    assert.equal(revealed[0].target.name, 'nina');
    assert.equal(revealed[0].address, '127.0.0.1');
    assert.ok(!JSON.stringify(revealed).includes(passcode));
  });

  it('says so when the link was already opened', async () => {
    let page;
    ({ context, page } = await newPage(browser));
    const resp = await page.goto(link);
    assert.equal(resp.status(), 410);
    await page.getByRole('heading', { name: 'This link was already opened' }).waitFor();
    assert.equal(await page.locator('#passcode').count(), 0);
    await screenshot(page, JOURNEY, 'second open: already opened');
  });

  it('says so when the link has expired', async () => {
    const issued = await server.cli(['tap', 'issue', 'omar', '--reveal-link']);
    // reveal.lifetime_minutes is 1 on this server.
    await new Promise((resolve) => setTimeout(resolve, 62_000));
    let page;
    ({ context, page } = await newPage(browser));
    const resp = await page.goto(issued.reveal_link.url);
    assert.equal(resp.status(), 410);
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    await screenshot(page, JOURNEY, 'expired link');
  });
});
