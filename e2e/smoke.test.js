'use strict';
// Proves the harness works: tapid starts and answers, Chromium drives it, the virtual authenticator creates and
// uses a discoverable passkey on the issuer's origin, screenshots land where the README says, the CLI helper
// reports failures, and the relying-party helper builds correct PKCE requests and records its callback.
// A template for the journeys: one server, one browser and one RP per file; a fresh context per test.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator, getCredentials, screenshot, SCREENSHOT_ROOT } = require('./lib/browser');
const { startRelyingParty, pkcePair, s256, decodeJwtPayload, basicAuth } = require('./lib/rp');
const { request } = require('./lib/net');

const JOURNEY = 'smoke';

describe('e2e harness smoke', { timeout: 120_000 }, () => {
  let server;
  let browser;
  let rp;
  let context;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    rp = await startRelyingParty({ issuer: server.url });
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  after(async () => {
    await rp?.stop();
    await browser?.close();
    await server?.stop();
    if (server) assert.equal(server.running(), false, 'tapid is still running after stop()');
  });

  it('starts tapid on localhost with a fresh database and answers /healthz', async () => {
    assert.match(server.url, /^http:\/\/localhost:\d+$/);
    assert.equal(server.issuer, server.url);
    assert.ok(server.running());
    const res = await request(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.text.trim(), 'ok');
    assert.ok(fs.existsSync(server.dir), 'temp dir exists while the server runs');
  });

  it('loads /healthz in Chromium, runs a passkey ceremony on the virtual authenticator, screenshots it', async () => {
    let page;
    let errors;
    ({ context, page, errors } = await newPage(browser));
    const resp = await page.goto(`${server.url}/healthz`);
    assert.equal(resp.status(), 200);
    assert.equal((await page.textContent('body')).trim(), 'ok');
    assert.equal(await page.evaluate(() => window.isSecureContext), true, 'http://localhost must be a secure context');

    const auth = await addVirtualAuthenticator(page);
    assert.equal(typeof auth.authenticatorId, 'string');
    assert.deepEqual(await getCredentials(auth.cdp, auth.authenticatorId), []);

    // Register a discoverable credential for RP ID "localhost", as tapid's pages will.
    const userId = crypto.randomBytes(16).toString('base64url');
    const created = await page.evaluate(async (userIdB64) => {
      const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      const cred = await navigator.credentials.create({
        publicKey: {
          rp: { id: 'localhost', name: 'tapid smoke' },
          user: { id: b64(userIdB64 + '='.repeat((4 - (userIdB64.length % 4)) % 4)), name: 'smoke', displayName: 'Smoke' },
          challenge: crypto.getRandomValues(new Uint8Array(32)),
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        },
      });
      return { id: cred.id, type: cred.type, flags: new Uint8Array(cred.response.getAuthenticatorData())[32] };
    }, userId);
    assert.equal(created.type, 'public-key');
    assert.equal(created.flags & 0x05, 0x05, 'user present and user verified flags set');

    const creds = await auth.credentials();
    assert.equal(creds.length, 1);
    assert.equal(creds[0].rpId, 'localhost');
    assert.equal(creds[0].isResidentCredential, true);
    assert.equal(Buffer.from(creds[0].credentialId, 'base64').toString('base64url'), created.id);
    assert.equal(Buffer.from(creds[0].userHandle, 'base64').toString('base64url'), userId);

    // Sign in with it, discoverable (no allowCredentials), as the passkey sign-in page will.
    const asserted = await page.evaluate(async () => {
      const a = await navigator.credentials.get({
        publicKey: { rpId: 'localhost', challenge: crypto.getRandomValues(new Uint8Array(32)), userVerification: 'required' },
      });
      const bytes = new Uint8Array(a.response.userHandle);
      return { id: a.id, userHandle: btoa(String.fromCharCode(...bytes)) };
    });
    assert.equal(asserted.id, created.id);
    assert.equal(Buffer.from(asserted.userHandle, 'base64').toString('base64url'), userId);
    assert.equal((await auth.credentials())[0].signCount, 2, 'one registration and one assertion');

    const file = await screenshot(page, JOURNEY, 'healthz in chromium');
    assert.equal(file, path.join(SCREENSHOT_ROOT, 'smoke', '01-healthz-in-chromium.png'));
    const png = await fs.promises.readFile(file);
    assert.ok(png.length > 1000, 'screenshot has content');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.deepEqual(errors, []);
  });

  it('cli() throws with stderr when the command fails', async () => {
    await assert.rejects(server.cli(['no-such-command']), (err) => {
      assert.match(err.message, /tapid no-such-command --json exited with \d+/);
      assert.notEqual(err.code, 0);
      assert.ok(err.stderr.trim().length > 0, 'stderr is reported');
      return true;
    });
    const raw = await server.cliRaw(['no-such-command']);
    assert.notEqual(raw.code, 0);
  });

  it('builds PKCE S256 pairs that are valid', () => {
    const seen = new Set();
    for (let i = 0; i < 20; i++) {
      const { codeVerifier, codeChallenge, codeChallengeMethod } = pkcePair();
      assert.equal(codeChallengeMethod, 'S256');
      assert.ok(codeVerifier.length >= 43 && codeVerifier.length <= 128, `verifier length ${codeVerifier.length}`);
      assert.match(codeVerifier, /^[A-Za-z0-9\-._~]+$/, 'verifier uses only unreserved characters');
      const expected = crypto.createHash('sha256').update(codeVerifier).digest('base64url');
      assert.equal(codeChallenge, expected);
      assert.match(codeChallenge, /^[A-Za-z0-9_-]{43}$/, 'challenge is unpadded base64url of 32 bytes');
      assert.ok(!seen.has(codeVerifier), 'verifiers are fresh');
      seen.add(codeVerifier);
    }
    // RFC 7636 appendix B test vector.
    assert.equal(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('builds an authorization request and records the callback the browser is sent to', async () => {
    const req = rp.authorizationRequest({ clientId: 'smoke-client', acrValues: 'phr' });
    const u = new URL(req.url);
    assert.equal(`${u.origin}${u.pathname}`, `${server.url}/authorize`);
    const q = u.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'smoke-client');
    assert.equal(q.get('redirect_uri'), `http://localhost:${rp.port}/callback`);
    assert.equal(q.get('scope'), 'openid');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('code_challenge'), s256(req.codeVerifier));
    assert.equal(q.get('state'), req.state);
    assert.equal(q.get('nonce'), req.nonce);
    assert.equal(q.get('acr_values'), 'phr');
    assert.notEqual(req.state, req.nonce);

    let page;
    ({ context, page } = await newPage(browser));
    const cbUrl = `${rp.redirectUri}?code=abc%2B1&state=${req.state}&iss=${encodeURIComponent(server.url)}`;
    const waiting = rp.waitForCallback({ state: req.state });
    await page.goto(cbUrl);
    const cb = await waiting;
    assert.equal(cb.code, 'abc+1');
    assert.equal(cb.state, req.state);
    assert.equal(cb.iss, server.url);
    assert.equal(await page.locator('#cb-title').textContent(), 'callback received');
    assert.equal(await page.locator('#cb-code').textContent(), 'abc+1');
    await screenshot(page, JOURNEY, 'rp callback');

    await page.goto(`${rp.redirectUri}?error=access_denied&state=other`);
    const err = await rp.waitForCallback({ state: 'other' });
    assert.equal(err.error, 'access_denied');
    assert.equal(await page.locator('#cb-title').textContent(), 'callback received: error');
    await assert.rejects(rp.waitForCallback({ state: 'never', timeoutMs: 200 }), /no callback with state never/);
  });

  it('decodes ID token payloads and encodes client_secret_basic', () => {
    const claims = { iss: 'http://localhost:1', sub: 'u1', aud: 'c', nonce: 'n', acr: 'phr', amr: ['hwk', 'user', 'mfa'] };
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc(claims)}.c2ln`;
    assert.deepEqual(decodeJwtPayload(jwt), claims);
    assert.throws(() => decodeJwtPayload('a.b'), /not a compact JWS/);
    // RFC 6749 §2.3.1: form-urlencode id and secret before base64.
    const header = basicAuth('my client', 'p:ss/+');
    assert.equal(Buffer.from(header.slice(6), 'base64').toString(), 'my+client:p%3Ass%2F%2B');
  });
});
