'use strict';
// Chromium (Debian's /usr/bin/chromium) through playwright-core, WebAuthn virtual authenticators, screenshots.
//
//   const browser = await launchBrowser();                   // once per test file
//   const { context, page, errors } = await newPage(browser); // a fresh context (cookies, storage) per test
//   const auth = await addVirtualAuthenticator(page);        // { cdp, authenticatorId, credentials(), ... }
//   await screenshot(page, 'tap-signin', 'pass-entered');    // e2e/screenshots/tap-signin/01-pass-entered.png
//   await context.close(); await browser.close();
//
// Environment:
//   TAPID_E2E_CHROMIUM     the browser executable (default /usr/bin/chromium)
//   TAPID_E2E_SCREENSHOTS  the screenshot root (default e2e/screenshots)
//   TAPID_E2E_HEADED=1     show the browser (needs a display)
//   TAPID_E2E_COLOR_SCHEME the colour scheme pages are shown in: light (default) or dark

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.TAPID_E2E_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const COLOR_SCHEME = process.env.TAPID_E2E_COLOR_SCHEME || 'light';
const SCREENSHOT_ROOT = path.resolve(process.env.TAPID_E2E_SCREENSHOTS || path.join(__dirname, '..', 'screenshots'));

/** Launch headless Chromium. One per test file is plenty; contexts isolate the tests. */
async function launchBrowser(opts = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set TAPID_E2E_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: !process.env.TAPID_E2E_HEADED,
    args: CHROMIUM_ARGS,
    ...opts,
  });
}

/**
 * A new browser context and page. `errors` collects uncaught page exceptions and console errors, so a journey
 * can assert that its pages ran cleanly: assert.deepEqual(errors, []).
 * @param {import('playwright-core').Browser} browser
 * @param {import('playwright-core').BrowserContextOptions & {timeoutMs?: number}} [opts]
 */
async function newPage(browser, opts = {}) {
  const { timeoutMs = 15_000, ...contextOpts } = opts;
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    colorScheme: COLOR_SCHEME,
    ...contextOpts,
  });
  context.setDefaultTimeout(timeoutMs);
  context.setDefaultNavigationTimeout(timeoutMs);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // Chromium asks every origin for /favicon.ico on its own; a 404 there says nothing about the page.
    if (/\/favicon\.ico(\?|$)/.test(msg.location().url || '')) return;
    errors.push(`console.error: ${msg.text()} (${msg.location().url || 'no url'})`);
  });
  return { context, page, errors };
}

/**
 * Attach a CTAP2 platform authenticator with resident keys and user verification to `page` (through CDP),
 * so navigator.credentials.create/get succeed without a person. Options override the defaults, e.g.
 * { isUserVerified: false } to simulate a failed fingerprint.
 * Resolves to { cdp, authenticatorId, credentials(), addCredentials(list), setUserVerified(bool), remove() }.
 * @param {import('playwright-core').Page} page
 */
async function addVirtualAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return {
    cdp,
    authenticatorId,
    credentials: () => getCredentials(cdp, authenticatorId),
    setUserVerified: (isUserVerified) =>
      cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
    addCredentials: (credentials) => addCredentials(cdp, authenticatorId, credentials),
    remove: () => cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }),
  };
}

/**
 * Put credentials (as returned by getCredentials / auth.credentials(), private keys included) into a virtual
 * authenticator: the same passkeys in another browser context, e.g. "the next day" with fresh cookies.
 */
async function addCredentials(cdp, authenticatorId, credentials) {
  for (const c of credentials) {
    const credential = {
      credentialId: c.credentialId,
      isResidentCredential: c.isResidentCredential,
      rpId: c.rpId,
      privateKey: c.privateKey,
      signCount: c.signCount,
    };
    if (c.userHandle !== undefined) credential.userHandle = c.userHandle;
    if (c.userName !== undefined) credential.userName = c.userName;
    if (c.userDisplayName !== undefined) credential.userDisplayName = c.userDisplayName;
    if (c.backupEligibility !== undefined) credential.backupEligibility = c.backupEligibility;
    if (c.backupState !== undefined) credential.backupState = c.backupState;
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  }
}

/**
 * The credentials held by a virtual authenticator: [{ credentialId, isResidentCredential, rpId, userHandle,
 * signCount, privateKey, ... }] (ids and handles base64). Accepts (cdp, id) or the object from addVirtualAuthenticator.
 */
async function getCredentials(cdpOrAuth, authenticatorId) {
  const cdp = authenticatorId === undefined ? cdpOrAuth.cdp : cdpOrAuth;
  const id = authenticatorId === undefined ? cdpOrAuth.authenticatorId : authenticatorId;
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
  return credentials;
}

// Screenshot numbering: per journey, in this process. The journey's folder is emptied at its first screenshot
// so a re-run never mixes in stale pictures.
const counters = new Map();

function slug(s) {
  return String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'step';
}

/**
 * Save a full-page screenshot as e2e/screenshots/<journey>/<NN>-<step>.png and resolve to its path.
 * @param {import('playwright-core').Page} page
 * @param {string} journey
 * @param {string} step
 */
async function screenshot(page, journey, step) {
  const dir = path.join(SCREENSHOT_ROOT, slug(journey));
  if (!counters.has(dir)) {
    await fs.promises.rm(dir, { recursive: true, force: true });
    counters.set(dir, 0);
  }
  const n = counters.get(dir) + 1;
  counters.set(dir, n);
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${String(n).padStart(2, '0')}-${slug(step)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

module.exports = {
  CHROMIUM,
  CHROMIUM_ARGS,
  COLOR_SCHEME,
  SCREENSHOT_ROOT,
  launchBrowser,
  newPage,
  addVirtualAuthenticator,
  getCredentials,
  addCredentials,
  screenshot,
};
