'use strict';
// Journey 3, lost phone: a person who had a passkey loses the device. The administrator removes all their
// methods (`tapid method remove USER --all`) — the lost passkey stops working and their sessions end — and
// issues a new pass. On the new phone the person signs in with the pass and sets up an authenticator app:
// the test plays the app, computing RFC 6238 codes from the secret the setup page shows as text. Continue
// brings them back to the application with tokens; later, the app's codes alone sign them in (and a code
// already used is refused).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { startRelyingParty } = require('./lib/rp');
const { totpCode, hotp, timeStep, base32Decode } = require('./lib/totp');
const {
  shooter,
  here,
  waitForPath,
  enterUsername,
  signInWithPass,
  expectSetup,
  enrolPasskeyWithPass,
  DEFAULT_PASSKEY_NAME,
  waitForRelyingParty,
  methodRows,
  alertText,
  withoutStatusErrors,
  checkIdToken,
} = require('./lib/journey');

const JOURNEY = 'lost-phone';

describe('journey 3: lost phone — methods removed, a new pass, an authenticator app', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let rp;
  const contexts = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    rp = await startRelyingParty({ issuer: server.url });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await rp?.stop();
    await browser?.close();
    await server?.stop();
  });

  it('computes RFC 6238 codes like an authenticator app (the RFC test vectors)', () => {
    // RFC 6238 appendix B, SHA-1, 8 digits, secret "12345678901234567890".
    const key = Buffer.from('12345678901234567890', 'ascii');
    const vectors = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) {
      assert.equal(totpCode(key, { time: seconds * 1000, digits: 8 }), code, `T=${seconds}`);
    }
    // RFC 4226 appendix D, and base32 as apps read it (case, spaces and padding ignored).
    assert.equal(hotp(key, 0), '755224');
    assert.equal(hotp(key, 9), '520489');
    assert.deepEqual(base32Decode('gezd gnbv gy3t qojq GEZD GNBV GY3T QOJQ===='), key);
  });

  it('re-enrols with a new pass and an authenticator app, and the application gets tokens', async () => {
    const { client_secret: clientSecret } = await server.cli(['client', 'add', 'intranet', '--redirect-uri', rp.redirectUri]);
    const user = await server.cli(['user', 'add', 'ada']);
    const firstPass = await server.cli(['tap', 'issue', 'ada']);

    // Before: ada enrolled a passkey on her phone and is signed in there.
    const lost = await newPage(browser);
    contexts.push(lost.context);
    const oldPhone = await addVirtualAuthenticator(lost.page);
    await enrolPasskeyWithPass(lost.page, { server, username: 'ada', passcode: firstPass.passcode });
    await shooter(lost.page, JOURNEY)('before the phone was lost');
    assert.equal((await server.cli(['method', 'list', 'ada'])).length, 1);

    // 1. The phone is lost: the administrator removes every method.
    const removed = await server.cli(['method', 'remove', 'ada', '--all']);
    assert.equal(removed.length, 1);
    assert.equal(removed[0].name, DEFAULT_PASSKEY_NAME, 'named after the browser it was added from');
    assert.deepEqual(await server.cli(['method', 'list', 'ada']), []);

    // The lost phone's session has ended …
    await lost.page.goto(`${server.url}/security-info`);
    assert.equal(here(lost.page).pathname, '/login', 'the session on the lost phone ended');
    // … and its passkey no longer signs in (autofill offers it; tapid refuses it, saying nothing of why).
    await lost.page.locator('#passkey-error').waitFor({ state: 'visible' });
    assert.equal(
      await alertText(lost.page),
      'That passkey did not work. Try again, or choose another way to sign in.',
    );
    assert.equal(here(lost.page).pathname, '/login');
    await shooter(lost.page, JOURNEY)('the lost passkey is refused');
    assert.equal((await oldPhone.credentials()).length, 1, 'the finder still holds the passkey, uselessly');
    assert.deepEqual(withoutStatusErrors(lost.errors, 401), []);
    await lost.context.close();

    // 2. A new pass from the helpdesk (it replaces the old one).
    const pass = await server.cli(['tap', 'issue', 'ada']);
    assert.notEqual(pass.passcode, firstPass.passcode);

    // 3. The new phone: the application sends ada to tapid; she signs in with the new pass.
    const { context, page, errors } = await newPage(browser);
    contexts.push(context);
    const shot = shooter(page, JOURNEY);
    const req = rp.authorizationRequest({ clientId: 'intranet' });
    await page.goto(req.url);
    assert.equal(here(page).pathname, '/login');
    await shot('application sent me to sign in');
    await signInWithPass(page, { username: 'ada', passcode: pass.passcode, shot });
    await expectSetup(page, { restricted: true });
    await shot('restricted session set up a method');

    // 4. An authenticator app: the page shows a QR code and the secret as text; the test is the app.
    await page.getByRole('link', { name: 'Add an authenticator app' }).click();
    await waitForPath(page, '/security-info/totp');
    await page.getByRole('heading', { name: 'Add an authenticator app' }).waitFor();
    assert.ok(await page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible(), 'a QR code');
    const secret = (await page.locator('#totp-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7 ]{16,}$/, `a base32 secret to type: ${secret}`);
    await shot('authenticator app setup shows a QR code and the secret');

    const registeredAt = Date.now();
    const firstCode = totpCode(secret, { time: registeredAt });
    await page.getByLabel('Code from your authenticator app').fill(firstCode);
    await shot('code from the app entered');
    await page.getByRole('button', { name: 'Add the app' }).click();
    await waitForPath(page, '/security-info/setup');
    await expectSetup(page, { restricted: false });
    assert.deepEqual(await methodRows(page), [{ name: 'Authenticator app', kind: 'Authenticator app', withTap: 'Yes' }]);
    await shot('authenticator app registered');

    // The secret is never shown again.
    await page.goto(`${server.url}/security-info`);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not on the security-info page');

    // 5. Continue: back in the application with a code, exchanged for tokens.
    await page.goto(`${server.url}/security-info/setup`);
    await page.getByRole('link', { name: 'Continue' }).click();
    await waitForRelyingParty(page, rp);
    const cb = await rp.waitForCallback({ state: req.state });
    await shot('back in the application with a code');
    assert.ok(cb.code, `a code: ${cb.error} ${cb.error_description}`);
    const tokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: cb.code, codeVerifier: req.codeVerifier });
    const claims = checkIdToken(tokens, { issuer: server.url, clientId: 'intranet', nonce: req.nonce });
    assert.equal(claims.sub, user.id);
    assert.equal(claims.acr, '1fa');
    assert.ok(claims.amr.includes('tap'), `amr has tap: ${JSON.stringify(claims.amr)}`);
    assert.ok(claims.amr.includes('otp'), `amr has otp: ${JSON.stringify(claims.amr)}`);

    const methods = await server.cli(['method', 'list', 'ada']);
    assert.equal(methods.length, 1);
    assert.equal(methods[0].kind, 'totp');
    assert.equal(methods[0].registered_with_tap, true);

    // 6. Later, with the app alone: sign out, then sign in with a code. The code used at setup is spent …
    await page.goto(`${server.url}/security-info`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitForPath(page, '/login');
    const later = rp.authorizationRequest({ clientId: 'intranet' });
    await page.goto(later.url);
    await enterUsername(page, { username: 'ada', shot });
    await page.getByRole('link', { name: 'Use a code from your authenticator app' }).click();
    await waitForPath(page, '/login/totp');
    await page.getByLabel('Code from your authenticator app').fill(firstCode);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[role=alert]').waitFor();
    assert.equal(here(page).pathname, '/login/totp');
    assert.equal(
      await alertText(page),
      'That code did not work. Check the username and the code, then try again.',
    );
    await shot('a code already used is refused');

    // … the app's next code works (the server accepts one step of clock skew).
    const nextStepTime = Math.max(Date.now(), (timeStep(registeredAt) + 1) * 30_000);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, { time: nextStepTime }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForRelyingParty(page, rp);
    const laterCb = await rp.waitForCallback({ state: later.state });
    await shot('signed in with the app alone');
    assert.ok(laterCb.code, `a code: ${laterCb.error} ${laterCb.error_description}`);
    const laterTokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: laterCb.code, codeVerifier: later.codeVerifier });
    assert.equal(laterTokens.idTokenClaims.sub, user.id);
    assert.equal(laterTokens.idTokenClaims.acr, '1fa');
    assert.deepEqual(laterTokens.idTokenClaims.amr, ['otp']);

    assert.deepEqual(withoutStatusErrors(errors, 422), []);
  });
});
