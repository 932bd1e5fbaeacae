'use strict';
// DPoP (RFC 9449) through openid-client's getDPoPHandle: a public client registered with --require-dpop
// binds its authorization code to its key (dpop_jkt, from the handle's thumbprint), a person signs in in
// Chromium, and openid-client redeems the code, refreshes and calls userinfo with proofs, learning the
// server's nonce from tapid's use_dpop_nonce answer. Checked: cnf.jkt in the access tokens, the nonce
// dance on the wire, the refresh token bound to the key (another key, or no proof, is refused), and a
// bound token refused as Bearer. RS256 and Ed25519 proof keys through a confidential client's
// client_credentials grant.

const { newPage } = require('../../e2e/lib/browser');
const { startRelyingParty } = require('../../e2e/lib/rp');
const { signInWithPass, expectSetup, waitForPath } = require('../../e2e/lib/journey');
const { totpCode } = require('../../e2e/lib/totp');

function payload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

/** Records each request to the token endpoint: the nonce its proof carried and what came back. */
function recorder(oidc, config) {
  const seen = [];
  config[oidc.customFetch] = async (url, options) => {
    const response = await fetch(url, options);
    const headers = new Headers(options.headers);
    const proof = headers.get('dpop');
    let error;
    if (!response.ok) {
      try {
        error = (await response.clone().json()).error;
      } catch {
        error = undefined;
      }
    }
    seen.push({
      path: new URL(url).pathname,
      nonce: proof ? payload(proof).nonce : undefined,
      status: response.status,
      error,
      challenge: response.headers.get('www-authenticate'),
      nonceHeader: response.headers.get('dpop-nonce'),
    });
    return response;
  };
  return seen;
}

async function run(t, { server, browser, version }) {
  t.section(`DPoP (${version})`);
  const oidc = await import('openid-client');
  const rp = await startRelyingParty({ issuer: server.url });
  const { context, page } = await newPage(browser);
  try {
    const registered = await server.cli(['client', 'add', 'dpop-spa', '--public', '--redirect-uri', rp.redirectUri, '--require-dpop']);
    t.equal('registered as requiring DPoP', registered.dpop_bound_access_tokens, true);
    const config = await oidc.discovery(new URL(server.url), 'dpop-spa', {}, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const algs = config.serverMetadata().dpop_signing_alg_values_supported || [];
    t.ok('discovery lists the DPoP proof algorithms', ['ES256', 'RS256', 'EdDSA'].every((a) => algs.includes(a)), algs);
    const seen = recorder(oidc, config);

    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const DPoP = oidc.getDPoPHandle(config, keyPair);
    const jkt = await DPoP.calculateThumbprint();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid profile offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      dpop_jkt: jkt,
    });

    const tokens = await t.step('a person signs in; openid-client redeems the code with a proof', async () => {
      await server.cli(['user', 'add', 'dpop-ada']);
      const pass = await server.cli(['tap', 'issue', 'dpop-ada']);
      await page.goto(url.href);
      await waitForPath(page, '/login');
      await signInWithPass(page, { username: 'dpop-ada', passcode: pass.passcode });
      await expectSetup(page, { restricted: true });
      await page.getByRole('link', { name: 'Add an authenticator app' }).click();
      await waitForPath(page, '/security-info/totp');
      const secret = (await page.locator('#totp-secret').textContent()).trim();
      await page.getByLabel('Code from your authenticator app').fill(totpCode(secret));
      await page.getByRole('button', { name: 'Add the app' }).click();
      await waitForPath(page, '/security-info/setup');
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { waitUntil: 'load' });
      return oidc.authorizationCodeGrant(
        config,
        new URL(page.url()),
        { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce },
        undefined,
        { DPoP },
      );
    });
    if (!tokens) return;
    const tokenCalls = seen.filter((s) => s.path === '/token');
    t.ok('the first proof (no nonce) is answered use_dpop_nonce with a DPoP-Nonce header',
      tokenCalls[0] && tokenCalls[0].status === 400 && tokenCalls[0].error === 'use_dpop_nonce' && tokenCalls[0].nonce === undefined && Boolean(tokenCalls[0].nonceHeader), tokenCalls);
    t.ok('openid-client sends the proof again with that nonce and gets the tokens',
      tokenCalls[1] && tokenCalls[1].status === 200 && tokenCalls[1].nonce === tokenCalls[0].nonceHeader, tokenCalls);
    t.equal('token_type is DPoP', String(tokens.token_type).toLowerCase(), 'dpop');
    t.equal('the access token carries cnf.jkt of the key', payload(tokens.access_token).cnf && payload(tokens.access_token).cnf.jkt, jkt);
    t.equal('the ID token is for the client', tokens.claims().aud, 'dpop-spa');

    const sub = tokens.claims().sub;
    const info = await t.step('fetchUserInfo with a proof (Authorization: DPoP, ath)', () => oidc.fetchUserInfo(config, tokens.access_token, sub, { DPoP }));
    t.equal('userinfo answers for the person', info && info.preferred_username, 'dpop-ada');

    const asBearer = await t.step('the bound access token presented as Bearer', async () => {
      const response = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      return { status: response.status, challenge: response.headers.get('www-authenticate') };
    });
    t.ok('is refused with a DPoP challenge', asBearer && asBearer.status === 401 && /^DPoP /.test(asBearer.challenge || '') && /invalid_token/.test(asBearer.challenge), asBearer);

    const refreshed = await t.step('refreshTokenGrant with the same key', () => oidc.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP }));
    if (refreshed) {
      t.equal('the refreshed access token is bound to the same key', payload(refreshed.access_token).cnf && payload(refreshed.access_token).cnf.jkt, jkt);
      const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
      const stolen = await oidc.refreshTokenGrant(config, refreshed.refresh_token, undefined, { DPoP: otherKey }).then(() => 'accepted', (e) => e.error || String(e));
      t.equal('the refresh token with another key is refused', stolen, 'invalid_grant');
      const bare = await oidc.refreshTokenGrant(config, refreshed.refresh_token).then(() => 'accepted', (e) => e.error || String(e));
      t.equal('the refresh token without a proof is refused (the client requires DPoP)', bare, 'invalid_dpop_proof');
      const still = await t.step('and still works with its own key', () => oidc.refreshTokenGrant(config, refreshed.refresh_token, undefined, { DPoP }));
      t.ok('after those refusals', still && typeof still.access_token === 'string');
    }

    const svc = await server.cli(['client', 'add', 'dpop-svc', '--grant', 'client_credentials', '--scope', 'tapid:admin', '--role', 'helpdesk']);
    const svcConfig = await oidc.discovery(new URL(server.url), 'dpop-svc', {}, oidc.ClientSecretBasic(svc.client_secret), { execute: [oidc.allowInsecureRequests] });
    for (const alg of ['RS256', 'Ed25519']) {
      const handle = oidc.getDPoPHandle(svcConfig, await oidc.randomDPoPKeyPair(alg));
      const granted = await t.step(`client_credentials with a ${alg} proof key`, () => oidc.clientCredentialsGrant(svcConfig, { scope: 'tapid:admin' }, { DPoP: handle }));
      if (granted) {
        t.equal(`${alg}: the access token carries cnf.jkt`, payload(granted.access_token).cnf && payload(granted.access_token).cnf.jkt, await handle.calculateThumbprint());
        const users = await t.step(`${alg}: the admin API answers it with a proof`, async () => {
          const response = await oidc.fetchProtectedResource(svcConfig, granted.access_token, new URL(`${server.url}/api/v1/users`), 'GET', undefined, undefined, { DPoP: handle });
          return response.status;
        });
        t.equal(`${alg}: GET /api/v1/users`, users, 200);
      }
    }
  } finally {
    await context.close().catch(() => {});
    await rp.stop().catch(() => {});
  }
}

module.exports = { run };
