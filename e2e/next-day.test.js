'use strict';
// Journey 2, next day: the person enrolled a passkey yesterday (with a pass, as on the first day). Today the
// browser has no tapid cookies; the laptop still holds the passkey. They open the application and sign in
// with the passkey alone — no username typed: the discoverable credential says who they are. The tokens say
// phishing-resistant (acr phr). Then, in the same browser: single sign-on for a second request, an
// RP-initiated sign-out, and passkey autofill (conditional mediation) signing them straight back in.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { startRelyingParty } = require('./lib/rp');
const { shooter, here, enrolPasskeyWithPass, trackPaths, waitForRelyingParty, checkIdToken } = require('./lib/journey');

const JOURNEY = 'next-day';

/** A passkey sign-in's amr: the key kind, user verification, multi-factor — and no pass. */
function assertPasskeyAmr(amr) {
  assert.ok(amr.includes('hwk') || amr.includes('swk'), `amr has hwk or swk: ${JSON.stringify(amr)}`);
  assert.ok(amr.includes('user'), `amr has user: ${JSON.stringify(amr)}`);
  assert.ok(amr.includes('mfa'), `amr has mfa: ${JSON.stringify(amr)}`);
  assert.ok(!amr.includes('tap'), `no pass today: ${JSON.stringify(amr)}`);
}

describe('journey 2: next day — the discoverable passkey alone', { timeout: 180_000 }, () => {
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

  it('signs in with the passkey alone (no username) and the application gets tokens with acr phr', async () => {
    const { client_secret: clientSecret } = await server.cli([
      'client', 'add', 'intranet',
      '--redirect-uri', rp.redirectUri,
      '--post-logout-redirect-uri', rp.postLogoutRedirectUri,
    ]);
    const user = await server.cli(['user', 'add', 'ada']);
    const pass = await server.cli(['tap', 'issue', 'ada']);

    // Yesterday: the first day's enrolment (journey 1 covers it step by step), then the browser is closed.
    const yesterday = await newPage(browser);
    contexts.push(yesterday.context);
    const laptop = await addVirtualAuthenticator(yesterday.page);
    await enrolPasskeyWithPass(yesterday.page, { server, username: 'ada', passcode: pass.passcode });
    await shooter(yesterday.page, JOURNEY)('yesterday passkey registered with a pass');
    const passkeys = await laptop.credentials();
    assert.equal(passkeys.length, 1);
    assert.equal(passkeys[0].isResidentCredential, true);
    await yesterday.context.close();

    // Today: a fresh browser context (no cookies) on the same laptop (the same passkey).
    const { context, page, errors } = await newPage(browser);
    contexts.push(context);
    const shot = shooter(page, JOURNEY);
    const paths = trackPaths(page);

    // 1. The application asks; tapid shows the sign-in page. The passkey is attached only once the page has
    //    loaded, so the autofill request the page starts on load finds nothing and the person uses the
    //    "Use a passkey" button (autofill itself is exercised in step 3).
    const req = rp.authorizationRequest({ clientId: 'intranet' });
    await page.goto(req.url);
    assert.equal(here(page).pathname, '/login', 'no session today: sign in first');
    const usernameField = page.getByLabel('Username', { exact: true });
    assert.equal(await usernameField.inputValue(), '', 'nothing typed, nothing prefilled');
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor({ state: 'visible' });
    await shot('sign-in page offers a passkey');

    const today = await addVirtualAuthenticator(page);
    await today.addCredentials(passkeys);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await waitForRelyingParty(page, rp);
    const cb = await rp.waitForCallback({ state: req.state });
    await shot('back in the application with a code');
    assert.equal(await usernameField.count(), 0, 'left the sign-in page');
    assert.equal(cb.error, undefined, `no error: ${cb.error} ${cb.error_description}`);
    assert.ok(cb.code);
    assert.ok(!paths.includes('/login/methods'), `never asked for a username: ${paths.join(' → ')}`);

    const tokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: cb.code, codeVerifier: req.codeVerifier });
    const claims = checkIdToken(tokens, { issuer: server.url, clientId: 'intranet', nonce: req.nonce });
    assert.equal(claims.sub, user.id, 'the passkey alone said who this is');
    assert.equal(claims.acr, 'phr', 'a passkey with user verification is phishing-resistant');
    assertPasskeyAmr(claims.amr);
    assert.ok((await today.credentials())[0].signCount > passkeys[0].signCount, 'the passkey signed');

    // 2. Single sign-on: a request that demands phr is answered at once, without a sign-in page.
    const sso = rp.authorizationRequest({ clientId: 'intranet', acrValues: 'phr' });
    const before2 = paths.length;
    await page.goto(sso.url);
    await waitForRelyingParty(page, rp);
    const ssoCb = await rp.waitForCallback({ state: sso.state });
    assert.ok(ssoCb.code, `a code: ${ssoCb.error} ${ssoCb.error_description}`);
    assert.ok(!paths.slice(before2).includes('/login'), `no sign-in page: ${paths.slice(before2).join(' → ')}`);
    const ssoTokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: ssoCb.code, codeVerifier: sso.codeVerifier });
    assert.equal(ssoTokens.idTokenClaims.acr, 'phr');
    assert.equal(ssoTokens.idTokenClaims.sub, user.id);
    await shot('single sign-on for a phr request');

    // 3. The application signs the person out (RP-initiated logout with the ID token as hint) …
    const logout = rp.endSessionRequest({ idTokenHint: ssoTokens.id_token });
    await page.goto(logout.url);
    await page.waitForURL((u) => u.href.startsWith(rp.postLogoutRedirectUri), { waitUntil: 'load' });
    assert.ok(rp.logouts.some((l) => l.state === logout.state), 'back at the application, signed out');
    await shot('signed out');

    // … and a new request needs a sign-in again, which passkey autofill on the username field completes by
    // itself (conditional mediation: the authenticator is there from the start this time).
    const again = rp.authorizationRequest({ clientId: 'intranet' });
    const before3 = paths.length;
    await page.goto(again.url);
    await waitForRelyingParty(page, rp);
    const againCb = await rp.waitForCallback({ state: again.state });
    await shot('signed in again by passkey autofill');
    const trail = paths.slice(before3);
    assert.ok(trail.includes('/login'), `signed out: the request went to the sign-in page: ${trail.join(' → ')}`);
    assert.ok(!trail.includes('/login/methods'), `no username typed: ${trail.join(' → ')}`);
    assert.ok(againCb.code, `a code: ${againCb.error} ${againCb.error_description}`);
    const againTokens = await rp.exchangeCode({ clientId: 'intranet', clientSecret, code: againCb.code, codeVerifier: again.codeVerifier });
    assert.equal(againTokens.idTokenClaims.acr, 'phr');
    assert.equal(againTokens.idTokenClaims.sub, user.id);
    assertPasskeyAmr(againTokens.idTokenClaims.amr);
    assert.ok(againTokens.idTokenClaims.auth_time >= claims.auth_time, 'a new sign-in');

    assert.deepEqual(errors, []);
  });
});
