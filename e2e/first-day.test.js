'use strict';
// Journey 1, first day: a new employee has no credential yet. The helpdesk issues a Temporary Access Pass
// from the CLI; the employee opens an application (the relying party), is sent to tapid, types their
// username and the pass, lands in a restricted session that can only set up a method, registers a passkey
// (the virtual authenticator stands in for the laptop's), presses Continue and is back in the application
// with a code. The application exchanges it: the ID token says how the person got in (acr 1fa, amr tap +
// the passkey's values).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { bothWidths } = require('./lib/shots');
const { startRelyingParty } = require('./lib/rp');
const {
  shooter,
  here,
  signInWithPass,
  expectSetup,
  registerPasskey,
  renamePasskey,
  enterUsername,
  DEFAULT_PASSKEY_NAME,
  methodRows,
  checkIdToken,
} = require('./lib/journey');

const JOURNEY = 'first-day';
const shootBoth = bothWidths(JOURNEY);

/** The ids of the sign-in options on the methods page, in the order a person meets them. */
async function optionOrder(page) {
  return page
    .locator('#tap-link, #passkey-button, #totp-link')
    .evaluateAll((els) => els.map((el) => el.id));
}

/** The page names the application it continues to, with its logo loaded (the page's policy allows it). */
async function expectApplication(page, name) {
  assert.equal((await page.locator('#application').textContent()).trim().replace(/\s+/g, ' '), `Sign in to continue to ${name}`);
  const logo = page.getByRole('img', { name: `${name} logo` });
  await logo.waitFor();
  await page.waitForFunction(() => document.querySelector('#application img').complete);
  assert.ok(await logo.evaluate((img) => img.naturalWidth > 0), 'the logo loaded');
  assert.deepEqual(await logo.evaluate((img) => [img.width, img.height]), [40, 40]);
}

describe('journey 1: first day — a pass, a passkey, tokens', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let rp;
  let context;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    rp = await startRelyingParty({ issuer: server.url });
  });

  after(async () => {
    await context?.close();
    await rp?.stop();
    await browser?.close();
    await server?.stop();
  });

  it('signs in with a CLI-issued pass, registers a passkey, and the application gets tokens with amr tap, acr 1fa', async () => {
    // Arrange: the application is registered, the employee exists, the helpdesk issues a pass.
    const { client_secret: clientSecret } = await server.cli([
      'client', 'add', 'intranet', '--redirect-uri', rp.redirectUri,
      '--name', 'Acme Intranet', '--logo-uri', `${rp.origin}/logo.png`,
    ]);
    const user = await server.cli(['user', 'add', 'ada']);
    const pass = await server.cli(['tap', 'issue', 'ada']);
    assert.match(pass.passcode, /\S{8,}/, 'the CLI prints the passcode');
    assert.equal(pass.usable, true);

    let page;
    let errors;
    ({ context, page, errors } = await newPage(browser));
    const shot = shooter(page, JOURNEY);
    const authenticator = await addVirtualAuthenticator(page);
    assert.deepEqual(await authenticator.credentials(), [], 'the laptop holds no passkey yet');

    // Act 1: the application sends the person to tapid.
    const req = rp.authorizationRequest({ clientId: 'intranet', scope: 'openid profile' });
    await page.goto(req.url);
    const login = here(page);
    assert.equal(login.pathname, '/login', 'no session: /authorize sends the person to sign in');
    const returnTo = login.searchParams.get('return_to');
    assert.match(returnTo, /^\/authorize\/resume\?request=[\w-]+$/);
    await shot('application sent me to sign in');
    await expectApplication(page, 'Acme Intranet');
    await shootBoth(page, 'sign in to continue to the application');

    // Act 2: username; on a browser where nobody has signed in yet the pass comes first, named for a
    // first day; then the Temporary Access Pass.
    await enterUsername(page, { username: 'ada' });
    await expectApplication(page, 'Acme Intranet');
    assert.deepEqual(await optionOrder(page), ['tap-link', 'passkey-button', 'totp-link']);
    assert.match(await page.locator('#pass-offer').textContent(), /First day, or lost your phone\?/);
    await shootBoth(page, 'first day the pass comes first');
    await page.goto(login.href); // the same sign-in, from its username page
    await signInWithPass(page, { username: 'ada', passcode: pass.passcode, shot });

    // The restricted session: only setup, and it will come back to the authorization afterwards.
    await expectSetup(page, { restricted: true });
    assert.equal(here(page).searchParams.get('return_to'), returnTo, 'setup remembers where to continue');
    assert.equal(await page.locator('#signed-in-as').textContent(), 'ada');
    assert.equal(await page.locator('#no-methods').count(), 1, 'no methods yet');
    assert.equal(rp.callbacks.length, 0, 'the application has received nothing yet');
    await shot('restricted session set up a method');
    await expectApplication(page, 'Acme Intranet');
    assert.equal(
      await page.locator('#add-passkey-hint').textContent(),
      'Your device will ask for your fingerprint, face or PIN.',
    );
    await shootBoth(page, 'setup one button for a passkey');

    // Act 3: register a passkey on the (virtual) laptop: one button, named after the browser.
    await registerPasskey(page, { shot });
    await expectSetup(page, { restricted: false });
    assert.deepEqual(await methodRows(page), [{ name: DEFAULT_PASSKEY_NAME, kind: 'Passkey', withTap: 'Yes' }]);
    await shot('passkey registered');

    const creds = await authenticator.credentials();
    assert.equal(creds.length, 1, 'the authenticator now holds one passkey');
    assert.equal(creds[0].rpId, 'localhost');
    assert.equal(creds[0].isResidentCredential, true, 'a discoverable passkey (usable without a username)');

    // Act 4: Continue finishes the pending authorization.
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
    const cb = await rp.waitForCallback({ state: req.state });
    await shot('back in the application with a code');

    // Assert: a code (no error), the issuer says it is itself (RFC 9207), and the code buys tokens.
    assert.equal(cb.error, undefined, `no error: ${cb.error} ${cb.error_description}`);
    assert.ok(cb.code, 'a code');
    assert.equal(cb.iss, server.url);
    const tokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: cb.code, codeVerifier: req.codeVerifier });
    const claims = checkIdToken(tokens, { issuer: server.url, clientId: 'intranet', nonce: req.nonce });
    assert.equal(claims.sub, user.id, 'the token is about ada');
    assert.equal(claims.acr, '1fa', 'a pass then a new method is one factor');
    assert.ok(claims.amr.includes('tap'), `amr has tap: ${JSON.stringify(claims.amr)}`);
    assert.ok(
      claims.amr.includes('hwk') || claims.amr.includes('swk'),
      `amr has the passkey's key value: ${JSON.stringify(claims.amr)}`,
    );
    const info = await rp.userinfo(tokens.access_token);
    assert.equal(info.status, 200);
    assert.equal(info.json.sub, user.id);

    // The code is spent: a second exchange is refused.
    const again = await rp.tokenRequest({
      clientId: 'intranet',
      clientSecret,
      params: { grant_type: 'authorization_code', code: cb.code, redirect_uri: rp.redirectUri, code_verifier: req.codeVerifier },
    });
    assert.equal(again.status, 400);
    assert.equal(again.json.error, 'invalid_grant');

    // The administrator's view agrees: one passkey, registered under a pass.
    const methods = await server.cli(['method', 'list', 'ada']);
    assert.equal(methods.length, 1);
    assert.equal(methods[0].kind, 'passkey');
    assert.equal(methods[0].registered_with_tap, true);

    // The person's own page lists it too (the session is no longer restricted).
    await page.goto(`${server.url}/security-info`);
    assert.equal(here(page).pathname, '/security-info');
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
    assert.deepEqual(await methodRows(page), [{ name: DEFAULT_PASSKEY_NAME, kind: 'Passkey', withTap: 'Yes' }]);
    await shot('security info lists the passkey');

    // Renamed afterwards, on /security-info.
    await renamePasskey(page, { from: DEFAULT_PASSKEY_NAME, to: 'Laptop passkey' });
    assert.deepEqual(await methodRows(page), [{ name: 'Laptop passkey', kind: 'Passkey', withTap: 'Yes' }]);
    await shootBoth(page, 'security info passkey renamed');

    // The next sign-in on this browser: the methods first, the pass last (same words).
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Sign out' }).click()]);
    await authenticator.remove(); // no passkey autofill: the person types their name
    await page.goto(rp.authorizationRequest({ clientId: 'intranet' }).url);
    await enterUsername(page, { username: 'ada' });
    assert.deepEqual(await optionOrder(page), ['passkey-button', 'totp-link', 'tap-link']);
    assert.match(await page.locator('#pass-offer').textContent(), /First day, or lost your phone\?/);
    await shootBoth(page, 'returning browser the pass comes last');

    assert.deepEqual(errors, []);
  });
});
