'use strict';
// axe-core over every page a person meets. The run starts as an application's sign-in does, at /authorize for
// a client with a name and a logo: the sign-in pages (username, choice of methods, pass) and the setup pages
// (a pass session, all set) that name the application. Then security info (the overview, a passkey's rename
// form opened, the authenticator app page), the device grant's pages (the code, an unknown code, the
// confirmation, connected, denied), the console (every section and the pages of a user, a pass shown once and
// its reload, a group, a client, a client's secret and its reload, a webhook's secret, a batch), the error
// pages (404, 405), signing out (confirmation named by an application, plain confirmation, signed out), the
// methods page for a returning browser, the passkey-only methods page (acr_values=phr), the pass page refusing
// a right passcode, the setup page once its window is over, the authenticator-app code page and the one-time
// reveal link (confirm, wrong digits, shown, closed). Any violation of impact serious or critical fails the
// journey, and all of them are printed, page by page. Each page is also photographed at desktop and phone
// width, in the colour scheme of the run: e2e/run.sh runs this journey in the light scheme and again in the
// dark one (TAPID_E2E_COLOR_SCHEME=dark).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator, COLOR_SCHEME } = require('./lib/browser');
const { shootBoth } = require('./lib/shots');
const { startRelyingParty } = require('./lib/rp');
const { here, waitForPath, enterUsername, signInWithPass, expectSetup, registerPasskey, waitForRelyingParty } = require('./lib/journey');
const { totpCode } = require('./lib/totp');
const { request } = require('./lib/net');
const { seriousViolations, describeViolations } = require('./lib/axe');

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const JOURNEY = `every page, ${COLOR_SCHEME} scheme`;

describe(`accessibility: axe-core over every page (${COLOR_SCHEME} scheme)`, { timeout: 480_000 }, () => {
  let server;
  let browser;
  let rp;
  const checked = [];
  const found = [];

  /** Runs axe on the page as it is and records what it finds under `name`. */
  async function check(page, name) {
    await page.waitForLoadState('load');
    const violations = await seriousViolations(page);
    checked.push(name);
    await shootBoth(page, JOURNEY, name);
    if (violations.length) found.push(describeViolations(violations, `[${name}] ${here(page).pathname}: `));
  }

  before(async () => {
    server = await startServer({ env: { TAPID_REVEAL__CONFIRM: 'employee_number' } });
    browser = await launchBrowser();
    rp = await startRelyingParty({ issuer: server.url });
    await server.cli([
      'client', 'add', 'intranet', '--redirect-uri', rp.redirectUri, '--post-logout-redirect-uri', rp.postLogoutRedirectUri,
      '--name', 'Acme Intranet', '--logo-uri', `${rp.origin}/logo.png`,
    ]);
    await server.cli(['user', 'add', 'ann', '--role', 'admin', '--name', 'Ann Admin', '--email', 'ann@example.com']);
    await server.cli(['user', 'add', 'sam', '--name', 'Sam Smith']);
    await server.cli(['group', 'add', 'staff']);
  });

  after(async () => {
    await rp?.stop();
    await browser?.close();
    await server?.stop();
  });

  it('the sign-in, security-info, console, reveal, error and sign-out pages have no serious or critical issue', async () => {
    // An application sends ann to sign in (its name and logo on every page); she signs in with a pass and
    // registers a passkey, and continues to the application.
    const { page, context } = await newPage(browser);
    const annKey = await addVirtualAuthenticator(page);
    const annPass = await server.cli(['tap', 'issue', 'ann']);
    await page.goto(rp.authorizationRequest({ clientId: 'intranet', scope: 'openid profile' }).url);
    await waitForPath(page, '/login');
    const logo = async () => {
      await page.getByRole('img', { name: 'Acme Intranet logo' }).waitFor();
      await page.waitForFunction(() => document.querySelector('#application img').complete);
    };
    await logo();
    await check(page, 'sign-in: username, for an application with a logo');
    await page.getByLabel('Username', { exact: true }).fill('ann');
    await page.getByRole('button', { name: 'Next' }).click();
    await waitForPath(page, '/login/methods');
    await logo();
    await check(page, 'sign-in: choice of methods, first day');
    await page.click('#tap-link');
    await page.locator('#passcode').waitFor();
    await check(page, 'sign-in: Temporary Access Pass, for an application');
    await page.fill('#passcode', annPass.passcode);
    await Promise.all([waitForPath(page, '/security-info/setup'), page.click('#tap-form button[type=submit]')]);
    await expectSetup(page, { restricted: true });
    await logo();
    await check(page, 'security info: setup for an application (pass session)');
    await registerPasskey(page);
    await check(page, 'security info: all set, on to the application');
    await Promise.all([waitForRelyingParty(page, rp), page.getByRole('link', { name: 'Continue' }).click()]);
    await page.goto(`${server.url}/security-info`);
    await check(page, 'security info: overview');
    const manage = page.locator('details.manage').first();
    await manage.locator('summary').click();
    await manage.getByRole('button', { name: 'Rename' }).waitFor();
    await check(page, 'security info: rename a passkey (form open)');

    // The device grant's pages: typing the code, the confirmation, and the device connected.
    const tv = await server.cli(['client', 'add', 'tv', '--name', 'Meeting-room TV', '--grant', 'device_code']);
    const started = await request(`${server.url}/device_authorization`, {
      headers: { authorization: `Basic ${Buffer.from(`tv:${tv.client_secret}`).toString('base64')}` },
      form: { scope: 'openid profile' },
    });
    assert.equal(started.status, 200, started.text);
    await page.goto(`${server.url}/device`);
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    await check(page, 'device: enter the code');
    await page.getByLabel('Code').fill(started.json.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Allow this device?' }).waitFor();
    await check(page, 'device: allow this device?');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    await check(page, 'device: connected');
    const second = await request(`${server.url}/device_authorization`, {
      headers: { authorization: `Basic ${Buffer.from(`tv:${tv.client_secret}`).toString('base64')}` },
      form: { scope: 'openid' },
    });
    assert.equal(second.status, 200, second.text);
    await page.goto(`${server.url}/device`);
    await page.getByLabel('Code').fill('BCDF-GHJK');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Continue' }).click()]);
    await page.locator('[role=alert]').waitFor();
    await check(page, 'device: a code that matches no device');
    await page.goto(`${server.url}/device`);
    await page.getByLabel('Code').fill(second.json.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Allow this device?' }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Device denied' }).waitFor();
    await check(page, 'device: denied');

    // The console, section by section, and the pages beneath.
    const users = async (path) => page.goto(`${server.url}${path}`);
    const sam = (await server.cli(['user', 'show', 'sam'])).id;
    const annId = (await server.cli(['user', 'show', 'ann'])).id;
    await users('/admin/users');
    await page.waitForURL((u) => u.pathname.startsWith('/admin') || u.pathname === '/login/methods');
    if (here(page).pathname === '/login/methods') {
      await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/admin')), page.click('#passkey-button')]);
    }
    await check(page, 'console: users');
    await users('/admin/users?role=root');
    await check(page, 'console: users with a bad filter');
    await users(`/admin/users/${annId}`);
    await check(page, 'console: user with methods and sign-ins');
    await users('/admin/users/new');
    await check(page, 'console: new user');
    await users(`/admin/users/${sam}/pass`);
    await check(page, 'console: issue a pass');
    await Promise.all([page.waitForSelector('#passcode'), page.click('#issue-submit')]);
    await check(page, 'console: pass shown once');
    await page.reload();
    await page.locator('#already-shown').waitFor();
    await check(page, 'console: already shown');
    await users(`/admin/users/${sam}`);
    await check(page, 'console: user with a pass');
    await users(`/admin/users/${annId}/methods/remove?method=all`);
    await check(page, 'console: confirm removing methods');
    await users('/admin/groups');
    await check(page, 'console: groups');
    await page.locator('a[href^="/admin/groups/"]').first().click();
    await page.waitForURL((u) => /^\/admin\/groups\/[^/]+$/.test(u.pathname));
    await check(page, 'console: group');
    await users('/admin/clients');
    await check(page, 'console: clients');
    await server.cli(['client', 'add', 'payroll', '--redirect-uri', 'https://payroll.example/callback']);
    await users('/admin/clients');
    await page.locator('a[href^="/admin/clients/"]').first().click();
    await page.waitForURL((u) => /^\/admin\/clients\/[^/]+$/.test(u.pathname));
    await check(page, 'console: client');
    await users('/admin/clients');
    await page.locator('#new-client-form #id').fill('kiosk');
    await page.locator('#new-client-form #redirect_uris').fill('https://kiosk.example/callback');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/admin/clients/kiosk/secret'),
      page.locator('#new-client-form button[type=submit]').click(),
    ]);
    await page.locator('#client-secret').waitFor();
    await check(page, 'console: client secret shown once');
    await page.reload();
    await page.locator('#already-shown').waitFor();
    await check(page, 'console: client secret already shown');
    await users('/admin/policy');
    await check(page, 'console: pass policy');
    await users('/admin/audit');
    await check(page, 'console: audit trail');
    await users('/admin/webhooks');
    await check(page, 'console: webhooks');
    await page.locator('#new-webhook-form #url').fill('https://siem.example.test/tapid');
    await page.locator('#new-webhook-form #event_types').fill('tap.*');
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/webhooks\/[^/]+\/secret$/.test(u.pathname)),
      page.locator('#new-webhook-form button[type=submit]').click(),
    ]);
    await page.locator('#webhook-secret').waitFor();
    await check(page, 'console: webhook secret shown once');
    await users('/admin/passes/bulk');
    await check(page, 'console: batch of passes');
    await page.getByLabel(/CSV of people/).fill('username,lifetime\nsam,2h\nnobody,8h\n');
    await Promise.all([page.waitForSelector('#bulk-rows'), page.getByRole('button', { name: 'Preview' }).click()]);
    await check(page, 'console: batch preview');

    // Error pages.
    const missing = await page.goto(`${server.url}/admin/no-such-page`);
    assert.equal(missing.status(), 404);
    await check(page, 'error: 404');
    await users('/admin/users');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/admin/audit'),
      page.evaluate(() => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/admin/audit';
        document.body.appendChild(form);
        form.submit();
      }),
    ]);
    await check(page, 'error: 405');

    // Signing out: asked by the application (named), asked by nobody in particular, and signed out.
    await page.goto(rp.endSessionRequest({ clientId: 'intranet' }).url);
    await page.locator('#logout-form').waitFor();
    assert.match(await page.textContent('body'), /Acme Intranet/);
    await check(page, 'sign-out: confirm, asked by the application');
    await page.goto(`${server.url}/logout`);
    await check(page, 'sign-out: confirm');
    await Promise.all([page.waitForLoadState('load'), page.locator('form button[type=submit]').first().click()]);
    await check(page, 'sign-out: signed out');

    // The same browser the next time: the methods first, the pass last.
    await annKey.remove(); // no passkey autofill: ann types her name
    await page.goto(`${server.url}/login`);
    await enterUsername(page, { username: 'ann' });
    await check(page, 'sign-in: choice of methods, returning browser');
    await context.close();

    // An application that asks for a passkey (acr_values=phr), for someone who has only a pass.
    const asks = await newPage(browser);
    await asks.page.goto(rp.authorizationRequest({ clientId: 'intranet', acrValues: 'phr' }).url);
    await enterUsername(asks.page, { username: 'sam' });
    await asks.page.locator('#passkey-only').waitFor();
    await check(asks.page, 'sign-in: passkey only, with the pass offered');
    await asks.context.close();

    // The right passcode for an account that is disabled: the page says so.
    await server.cli(['user', 'add', 'off']);
    const offPass = await server.cli(['tap', 'issue', 'off']);
    await server.cli(['user', 'disable', 'off']);
    const refused = await newPage(browser);
    await refused.page.goto(`${server.url}/login`);
    await signInWithPass(refused.page, { username: 'off', passcode: offPass.passcode });
    assert.match(await refused.page.locator('[role=alert]').first().textContent(), /account is disabled/);
    await check(refused.page, 'sign-in: pass refused after the right passcode');
    await refused.context.close();

    // The setup window runs out on the page (the page's clock moved on past the policy's 10 minutes).
    await server.cli(['user', 'add', 'wen']);
    const wenPass = await server.cli(['tap', 'issue', 'wen', '--one-time']);
    const late = await newPage(browser);
    await late.page.clock.install();
    await late.page.goto(`${server.url}/login`);
    await signInWithPass(late.page, { username: 'wen', passcode: wenPass.passcode });
    await expectSetup(late.page, { restricted: true });
    await late.page.clock.fastForward('11:00');
    await late.page.locator('#window-over').waitFor({ state: 'visible' });
    await check(late.page, 'security info: setup window over');
    await late.context.close();

    // An authenticator app: its setup page, and the sign-in page that asks for its code.
    const phone = await newPage(browser);
    const samPass = await server.cli(['tap', 'issue', 'sam']);
    await phone.page.goto(`${server.url}/login`);
    await check(phone.page, 'sign-in: username');
    await phone.page.getByLabel('Username', { exact: true }).fill('sam');
    await phone.page.getByRole('button', { name: 'Next' }).click();
    await waitForPath(phone.page, '/login/methods');
    await phone.page.click('#tap-link');
    await phone.page.fill('#passcode', samPass.passcode);
    await Promise.all([waitForPath(phone.page, '/security-info/setup'), phone.page.click('#tap-form button[type=submit]')]);
    await phone.page.getByRole('link', { name: 'Add an authenticator app' }).click();
    await phone.page.getByRole('heading', { name: 'Add an authenticator app' }).waitFor();
    await check(phone.page, 'security info: authenticator app');
    const secret = (await phone.page.locator('#totp-secret').textContent()).trim();
    await phone.page.getByLabel('Code from your authenticator app').fill(totpCode(secret));
    await phone.page.getByRole('button', { name: /Add|Register|Save/ }).first().click();
    await phone.page.waitForLoadState('load');
    await phone.context.close();
    const later = await newPage(browser);
    await later.page.goto(`${server.url}/login`);
    await later.page.getByLabel('Username', { exact: true }).fill('sam');
    await later.page.getByRole('button', { name: 'Next' }).click();
    await waitForPath(later.page, '/login/methods');
    await later.page.getByRole('link', { name: 'Use a code from your authenticator app' }).click();
    await later.page.getByLabel('Code from your authenticator app').waitFor();
    await check(later.page, 'sign-in: authenticator app code');
    await later.context.close();

    // The one-time reveal link: confirm, shown, closed.
    const { client_secret: hrSecret } = await server.cli([
      'client', 'add', 'hr-system', '--grant', 'client_credentials', '--scope', 'scim', '--role', 'admin',
    ]);
    const tokenRes = await request(`${server.url}/token`, {
      headers: { authorization: `Basic ${Buffer.from(`hr-system:${hrSecret}`).toString('base64')}` },
      form: { grant_type: 'client_credentials', scope: 'scim' },
    });
    const created = await request(`${server.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenRes.json.access_token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
        userName: 'nina',
        [ENTERPRISE]: { employeeNumber: 'E-00427731' },
      }),
    });
    assert.equal(created.status, 201, created.text);
    const issued = await server.cli(['tap', 'issue', 'nina', '--reveal-link', '--one-time']);
    const reveal = await newPage(browser);
    await reveal.page.goto(issued.reveal_link.url);
    await check(reveal.page, 'reveal: confirm');
    await reveal.page.getByLabel("The last four digits of nina's employee number").fill('0000');
    await reveal.page.getByRole('button', { name: 'Show the pass' }).click();
    await reveal.page.waitForLoadState('load');
    await check(reveal.page, 'reveal: wrong digits');
    await reveal.page.getByLabel("The last four digits of nina's employee number").fill('7731');
    await reveal.page.getByRole('button', { name: 'Show the pass' }).click();
    await reveal.page.locator('#passcode').waitFor();
    await check(reveal.page, 'reveal: shown');
    await reveal.page.goto(issued.reveal_link.url);
    await check(reveal.page, 'reveal: already opened');
    await reveal.context.close();

    assert.ok(checked.length >= 48, `pages checked: ${checked.join(', ')}`);
    assert.equal(found.length, 0, `serious or critical accessibility issues:\n${found.join('\n')}`);
  });
});
