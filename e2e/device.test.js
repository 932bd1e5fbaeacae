'use strict';
// Journey 8, a device: a command-line tool (this test, over HTTP) asks tapid for a device code and shows
// the person a short user code and where to type it. The person opens /device, is sent to sign in, signs
// in with a pass — a pass alone may not approve, so /device sends the restricted session to setup — adds a
// passkey (the virtual authenticator), comes back to /device, types the code the way people do (lower case,
// no dash), sees which application asks for what, and presses Allow. The tool's next poll gets tokens
// whose ID token says how the approving session signed in (acr 1fa, amr tap + the passkey's values).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { request, sleep } = require('./lib/net');
const { decodeJwtPayload, basicAuth } = require('./lib/rp');
const { shooter, here, signInWithPass, expectSetup, registerPasskey, waitForPath } = require('./lib/journey');

const JOURNEY = 'device';
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('journey 8: a device approved on the page', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let context;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  it('a pass session enrols a passkey, then approves the code the device shows; the device gets tokens', async () => {
    const { client_secret: secret } = await server.cli([
      'client', 'add', 'tv', '--name', 'Meeting-room TV', '--grant', 'device_code',
    ]);
    await server.cli(['user', 'add', 'dev']);
    const pass = await server.cli(['tap', 'issue', 'dev']);
    const auth = { authorization: basicAuth('tv', secret) };

    // The device asks for a code.
    const started = await request(`${server.url}/device_authorization`, {
      form: { scope: 'openid profile' },
      headers: auth,
    });
    assert.equal(started.status, 200, started.text);
    const { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri } = started.json;
    assert.equal(verificationUri, `${server.url}/device`);
    assert.match(userCode, /^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    const poll = () => request(`${server.url}/token`, { form: { grant_type: GRANT, device_code: deviceCode }, headers: auth });
    const pending = await poll();
    assert.equal(pending.json.error, 'authorization_pending');

    let page;
    let errors;
    ({ context, page, errors } = await newPage(browser));
    const shot = shooter(page, JOURNEY);
    await addVirtualAuthenticator(page);

    // The person types the address the device shows and signs in with the pass.
    await page.goto(verificationUri);
    assert.equal(here(page).pathname, '/login');
    assert.equal(here(page).searchParams.get('return_to'), '/device');
    await signInWithPass(page, { username: 'dev', passcode: pass.passcode, shot });
    await expectSetup(page, { restricted: true });
    await shot('a pass alone is sent to setup');

    // A pass-only session going straight to /device is sent back to setup: it can never approve.
    await page.goto(`${server.url}/device`);
    await expectSetup(page, { restricted: true });

    await registerPasskey(page, { shot });
    await expectSetup(page, { restricted: false });
    await page.getByRole('link', { name: 'Continue' }).click();
    await waitForPath(page, '/device');
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    await page.getByLabel('Code').fill(userCode.toLowerCase().replace('-', ''));
    await shot('the code typed as people type it');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Allow this device?' }).waitFor();
    assert.equal(await page.locator('#device-client').textContent(), 'Meeting-room TV');
    assert.equal(await page.locator('#device-code').textContent(), userCode);
    const asks = await page.locator('#device-scopes li').allTextContents();
    assert.deepEqual(asks, ['To know who you are (your user id here)', 'Your name and username']);
    await shot('which application asks for what');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    await shot('device connected');

    // The device's next poll, after the interval, gets tokens.
    await sleep(started.json.interval * 1000);
    const tokens = await poll();
    assert.equal(tokens.status, 200, tokens.text);
    const claims = decodeJwtPayload(tokens.json.id_token);
    assert.equal(claims.aud, 'tv');
    assert.equal(claims.preferred_username, 'dev');
    assert.equal(claims.acr, '1fa');
    assert.equal(claims.amr[0], 'tap');
    assert.ok(claims.amr.includes('hwk') || claims.amr.includes('swk'), JSON.stringify(claims.amr));

    // Redeemed once.
    await sleep(started.json.interval * 1000);
    const again = await poll();
    assert.equal(again.json.error, 'invalid_grant');
    const approved = await server.cli(['audit', 'list', '--action', 'device.approved']);
    assert.ok(JSON.stringify(approved).includes('tv'), JSON.stringify(approved));
    assert.deepEqual(errors, []);
  });
});
