'use strict';
// What a person does on tapid's pages, step by step, shared by the journeys. Every step finds things the way a
// person (or a screen reader) does — by label, button name and heading — so a renamed label fails a journey.
//
//   const shot = shooter(page, 'first-day');             // shot('step') → e2e/screenshots/first-day/NN-step.png
//   await page.goto(req.url);                            // an RP's authorization request → /login
//   await signInWithPass(page, { username, passcode, shot });   // → /security-info/setup (restricted)
//   await expectSetup(page, { restricted: true });
//   await registerPasskey(page, { shot });               // → "You are all set"
//   await page.getByRole('link', { name: 'Continue' }).click(); // → the RP's redirect_uri with a code

const assert = require('node:assert/strict');
const { screenshot } = require('./browser');

/** `shot(step)` takes a full-page screenshot of `page` for `journey`. */
function shooter(page, journey) {
  return (step) => screenshot(page, journey, step);
}

/** Wait until the page's URL has this path (and, optionally, a query parameter test). */
async function waitForPath(page, pathname, opts = {}) {
  await page.waitForURL((u) => u.pathname === pathname, { waitUntil: 'load', ...opts });
  return new URL(page.url());
}

/** The page's current path and query as a URL object. */
function here(page) {
  return new URL(page.url());
}

/** On /login: type the username, press Next, land on the choice of methods. */
async function enterUsername(page, { username, shot }) {
  await waitForPath(page, '/login');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username', { exact: true }).fill(username);
  if (shot) await shot('username entered');
  await page.getByRole('button', { name: 'Next' }).click();
  await waitForPath(page, '/login/methods');
  assert.equal(await page.locator('#signing-in-as').textContent(), username);
  if (shot) await shot('choice of methods');
}

/**
 * From /login: username, "Use the Temporary Access Pass from your helpdesk", the pass typed into the field labelled
 * "Temporary Access Pass", "Sign in". Resolves once the answer has loaded; the caller checks where it went
 * (/security-info/setup when the pass worked, the same form with an alert when not).
 */
async function signInWithPass(page, { username, passcode, shot }) {
  await enterUsername(page, { username, shot });
  await page.getByRole('link', { name: 'Use the Temporary Access Pass from your helpdesk' }).click();
  await waitForPath(page, '/login/tap');
  await page.getByRole('heading', { name: 'Temporary Access Pass' }).waitFor();
  await page.getByLabel('Temporary Access Pass', { exact: true }).fill(passcode);
  if (shot) await shot('pass entered');
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  return response;
}

/** The page is the setup page: restricted (a pass alone) or done ("You are all set"). */
async function expectSetup(page, { restricted }) {
  assert.equal(here(page).pathname, '/security-info/setup', `expected the setup page, at ${page.url()}`);
  if (restricted) {
    await page.getByRole('heading', { name: 'Set up a way to sign in' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Continue' }).count(), 0, 'no Continue before a method exists');
  } else {
    await page.getByRole('heading', { name: 'You are all set' }).waitFor();
  }
}

/**
 * The name tapid gives a passkey added from these journeys' browser: Chromium's virtual authenticator has no
 * well-known AAGUID, so the name comes from the User-Agent (headless Chromium on Linux).
 */
const DEFAULT_PASSKEY_NAME = 'Chrome on Linux';

/**
 * On a security-info page: "Add a passkey" (one button: no name is asked for first; the line under it says
 * what the device will ask), and wait for "You are all set" (or `until`). The passkey is named
 * DEFAULT_PASSKEY_NAME; renamePasskey names it afterwards.
 */
async function registerPasskey(page, { shot, until } = {}) {
  const button = page.getByRole('button', { name: 'Add a passkey' });
  assert.equal(await page.getByLabel('Name for a new passkey').count(), 0, 'no name field before the button');
  if (shot) await shot('adding a passkey');
  await button.click();
  await (until ? until() : page.getByRole('heading', { name: 'You are all set' }).waitFor());
}

/** On /security-info: open "Manage “from”", type the new name, Rename; back on /security-info. */
async function renamePasskey(page, { from, to }) {
  const box = page.locator('details.manage').filter({ hasText: `Manage “${from}”` }).first();
  await box.locator('summary').click();
  await box.getByLabel(`New name for “${from}”`).fill(to);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), box.getByRole('button', { name: 'Rename' }).click()]);
  assert.equal(here(page).pathname, '/security-info');
}

/**
 * Arrange a person who already has a passkey: sign in at `server`'s /login with the pass and register one
 * (`page` must have a virtual authenticator). Ends on "You are all set".
 */
async function enrolPasskeyWithPass(page, { server, username, passcode, shot }) {
  await page.goto(`${server.url}/login`);
  await signInWithPass(page, { username, passcode, shot });
  await expectSetup(page, { restricted: true });
  await registerPasskey(page, { shot });
  await expectSetup(page, { restricted: false });
}

/** Record the path of every page the main frame loads, in order: proof of where the browser went. */
function trackPaths(page) {
  const paths = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) paths.push(new URL(frame.url()).pathname);
  });
  return paths;
}

/** Wait until the browser is at the relying party's redirect URI. */
async function waitForRelyingParty(page, rp) {
  await page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
}

/** The rows of the methods table: [{ name, kind, withTap }]. */
async function methodRows(page) {
  return page.locator('#methods tbody tr').evaluateAll((rows) =>
    rows.map((r) => ({
      name: r.querySelector('.method-name').textContent.trim(),
      kind: r.querySelector('.method-kind').textContent.trim(),
      withTap: r.cells[4].textContent.trim(),
    })),
  );
}

/** The text of the page's visible alert (role=alert), or null. */
async function alertText(page) {
  const alert = page.locator('[role=alert]:visible');
  if ((await alert.count()) === 0) return null;
  return (await alert.first().textContent()).trim();
}

/** `errors` without the console lines Chromium writes for a page answered with this status (a refusal). */
function withoutStatusErrors(errors, ...statuses) {
  return errors.filter(
    (e) => !statuses.some((s) => e.includes(`the server responded with a status of ${s}`)),
  );
}

/**
 * Check the ID token of a code exchange against the request: issuer, audience, nonce, and that it names a
 * subject. Returns the claims.
 */
function checkIdToken(tokens, { issuer, clientId, nonce }) {
  assert.ok(tokens.id_token, 'the token response has an id_token');
  assert.ok(tokens.access_token, 'the token response has an access_token');
  assert.match(String(tokens.token_type), /^bearer$/i);
  const c = tokens.idTokenClaims;
  assert.equal(c.iss, issuer);
  assert.ok(c.aud === clientId || (Array.isArray(c.aud) && c.aud.includes(clientId)), `aud ${JSON.stringify(c.aud)}`);
  assert.equal(c.nonce, nonce);
  assert.ok(c.sub, 'sub');
  assert.ok(Array.isArray(c.amr), `amr is a list: ${JSON.stringify(c.amr)}`);
  return c;
}

module.exports = {
  shooter,
  waitForPath,
  here,
  enterUsername,
  signInWithPass,
  expectSetup,
  registerPasskey,
  renamePasskey,
  DEFAULT_PASSKEY_NAME,
  enrolPasskeyWithPass,
  trackPaths,
  waitForRelyingParty,
  methodRows,
  alertText,
  withoutStatusErrors,
  checkIdToken,
};
