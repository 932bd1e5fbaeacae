'use strict';
// Pushed authorization requests (RFC 9126) through openid-client's buildAuthorizationUrlWithPAR: a
// confidential client registered with --require-par pushes its request (client_secret_basic, then a
// private_key_jwt client with keys from jose), a person signs in in Chromium through the request_uri alone,
// and openid-client redeems the code with its own PKCE, state and nonce checks. The plain request of a
// client required to push is refused, and a request_uri works once.

const { newPage } = require('../../e2e/lib/browser');
const { startRelyingParty } = require('../../e2e/lib/rp');
const { signInWithPass, expectSetup, waitForPath } = require('../../e2e/lib/journey');
const { totpCode } = require('../../e2e/lib/totp');

async function run(t, { server, browser, version }) {
  t.section(`pushed authorization requests (${version})`);
  const oidc = await import('openid-client');
  const jose = await import('jose');
  const rp = await startRelyingParty({ issuer: server.url });
  const { context, page } = await newPage(browser);
  try {
    const registered = await server.cli(['client', 'add', 'par-web', '--redirect-uri', rp.redirectUri, '--require-par']);
    t.equal('registered as requiring pushed requests', registered.require_pushed_authorization_requests, true);
    const config = await oidc.discovery(new URL(server.url), 'par-web', {}, oidc.ClientSecretBasic(registered.client_secret), {
      execute: [oidc.allowInsecureRequests],
    });
    t.equal('discovery names the PAR endpoint', config.serverMetadata().pushed_authorization_request_endpoint, `${server.url}/par`);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const parameters = {
      redirect_uri: rp.redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    const url = await t.step('buildAuthorizationUrlWithPAR pushes the request', () => oidc.buildAuthorizationUrlWithPAR(config, parameters));
    if (url) {
      t.ok('the authorization URL carries only client_id and request_uri', [...url.searchParams.keys()].sort().join(',') === 'client_id,request_uri', url.search);
      const tokens = await t.step('a person signs in through the request_uri; openid-client redeems the code', async () => {
        await server.cli(['user', 'add', 'par-ada']);
        const pass = await server.cli(['tap', 'issue', 'par-ada']);
        await page.goto(url.href);
        await waitForPath(page, '/login');
        await signInWithPass(page, { username: 'par-ada', passcode: pass.passcode });
        await expectSetup(page, { restricted: true });
        await page.getByRole('link', { name: 'Add an authenticator app' }).click();
        await waitForPath(page, '/security-info/totp');
        const secret = (await page.locator('#totp-secret').textContent()).trim();
        await page.getByLabel('Code from your authenticator app').fill(totpCode(secret));
        await page.getByRole('button', { name: 'Add the app' }).click();
        await waitForPath(page, '/security-info/setup');
        await page.getByRole('link', { name: 'Continue' }).click();
        await page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
        return oidc.authorizationCodeGrant(config, new URL(page.url()), {
          pkceCodeVerifier: verifier,
          expectedState: state,
          expectedNonce: nonce,
        });
      });
      if (tokens) {
        t.equal('the ID token is for the client', tokens.claims().aud, 'par-web');
        t.equal('the ID token carries the pushed nonce', tokens.claims().nonce, nonce);
      }
      const again = await t.step('the same request_uri a second time', async () => {
        const response = await page.goto(url.href);
        return { status: response.status(), text: await page.locator('main').innerText() };
      });
      t.ok('a request_uri works once', again && again.status === 400 && /already used/.test(again.text), again);
    }

    const plain = await t.step('a plain authorization request from the same client', async () => {
      await page.goto(oidc.buildAuthorizationUrl(config, { ...parameters, state: 'plain' }).href);
      await page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
      return Object.fromEntries(new URL(page.url()).searchParams);
    });
    t.ok('is sent back with invalid_request (it must push)', plain && plain.error === 'invalid_request' && plain.state === 'plain', plain);

    const pushedWithKey = await t.step('private_key_jwt client pushes its request', async () => {
      const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
      const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'par-key', alg: 'ES256', use: 'sig' };
      const fs = require('node:fs');
      const os = require('node:os');
      const path = require('node:path');
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tapid-par-')), 'jwks.json');
      fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }));
      await server.cli(['client', 'add', 'par-keys', '--redirect-uri', rp.redirectUri, '--jwks', file, '--require-par']);
      const keyed = await oidc.discovery(new URL(server.url), 'par-keys', {}, oidc.PrivateKeyJwt(privateKey, { kid: 'par-key' }), {
        execute: [oidc.allowInsecureRequests],
      });
      const pushed = await oidc.buildAuthorizationUrlWithPAR(keyed, { ...parameters, state: 'keyed' });
      await page.goto(pushed.href);
      // Still signed in from above: the code comes straight back.
      await page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
      return Object.fromEntries(new URL(page.url()).searchParams);
    });
    t.ok('and gets a code through the request_uri', pushedWithKey && typeof pushedWithKey.code === 'string' && pushedWithKey.state === 'keyed', pushedWithKey);
  } finally {
    await context.close().catch(() => {});
    await rp.stop().catch(() => {});
  }
}

module.exports = { run };
