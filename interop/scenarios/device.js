'use strict';
// The device authorization grant (RFC 8628) through openid-client: the "device" (this script) calls
// initiateDeviceAuthorization and pollDeviceAuthorizationGrant, while a person in Chromium opens the
// verification_uri_complete, signs in with a pass, enrols an authenticator app (a pass alone may not
// approve), and presses Allow. Then a second device code is denied, and openid-client reports access_denied.

const { newPage } = require('../../e2e/lib/browser');
const { signInWithPass, expectSetup, waitForPath } = require('../../e2e/lib/journey');
const { totpCode } = require('../../e2e/lib/totp');

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function run(t, { server, browser, version }) {
  t.section(`device grant (${version})`);
  const oidc = await import('openid-client');
  for (const kind of ['confidential', 'public']) {
    const id = `device-${kind}`;
    const args = ['client', 'add', id, '--name', `Living-room TV (${kind})`, '--grant', 'device_code', '--grant', 'refresh_token'];
    const registered = await server.cli(kind === 'public' ? [...args, '--public'] : args);
    const auth = kind === 'public' ? oidc.None() : oidc.ClientSecretBasic(registered.client_secret);
    const config = await oidc.discovery(new URL(server.url), id, {}, auth, { execute: [oidc.allowInsecureRequests] });
    t.ok(`${kind}: discovery names the device authorization endpoint`, config.serverMetadata().device_authorization_endpoint === `${server.url}/device_authorization`);
    t.ok(`${kind}: discovery offers the device grant`, config.serverMetadata().grant_types_supported.includes(GRANT));

    const username = `viewer-${kind}`;
    const { context, page } = await newPage(browser);
    try {
      const started = await t.step(`${kind}: approve in the browser while openid-client polls`, async () => {
        const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid profile offline_access' });
        const polling = oidc.pollDeviceAuthorizationGrant(config, response);
        await server.cli(['user', 'add', username]);
        const pass = await server.cli(['tap', 'issue', username]);
        await page.goto(response.verification_uri_complete);
        await waitForPath(page, '/login');
        await signInWithPass(page, { username, passcode: pass.passcode });
        await expectSetup(page, { restricted: true });
        await page.getByRole('link', { name: 'Add an authenticator app' }).click();
        await waitForPath(page, '/security-info/totp');
        const secret = (await page.locator('#totp-secret').textContent()).trim();
        await page.getByLabel('Code from your authenticator app').fill(totpCode(secret));
        await page.getByRole('button', { name: 'Add the app' }).click();
        await waitForPath(page, '/security-info/setup');
        await page.getByRole('link', { name: 'Continue' }).click();
        await waitForPath(page, '/device');
        const typed = await page.getByLabel('Code').inputValue();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Allow this device?' }).waitFor();
        const shown = await page.locator('#device-code').textContent();
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.getByRole('heading', { name: 'Device connected' }).waitFor();
        const tokens = await polling;
        return { response, tokens, typed, shown };
      });
      if (started) {
        const { response, tokens, typed, shown } = started;
        t.ok(`${kind}: the user code is two groups of four`, /^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/.test(response.user_code), response.user_code);
        t.equal(`${kind}: verification_uri_complete filled in the code`, typed, response.user_code);
        t.equal(`${kind}: the page shows the code the device shows`, shown, response.user_code);
        const claims = tokens.claims();
        t.equal(`${kind}: the ID token is for the device's client`, claims.aud, id);
        t.equal(`${kind}: acr of the approving session`, claims.acr, '1fa');
        t.ok(`${kind}: amr of the approving session (tap, otp)`, JSON.stringify(claims.amr) === '["tap","otp"]', claims.amr);
        t.ok(`${kind}: a refresh token`, typeof tokens.refresh_token === 'string');
        const refreshed = await t.step(`${kind}: the refresh token works`, () => oidc.refreshTokenGrant(config, tokens.refresh_token));
        t.ok(`${kind}: refreshed`, refreshed && typeof refreshed.access_token === 'string');
      }

      const denied = await t.step(`${kind}: a denied code ends openid-client's polling with access_denied`, async () => {
        const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
        const polling = oidc.pollDeviceAuthorizationGrant(config, response).then(
          () => 'tokens',
          (err) => err.error || String(err),
        );
        await page.goto(`${server.url}/device`);
        await page.getByLabel('Code').fill(response.user_code.toLowerCase().replace('-', ''));
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('button', { name: 'Deny' }).click();
        await page.getByRole('heading', { name: 'Device denied' }).waitFor();
        return polling;
      });
      t.equal(`${kind}: access_denied`, denied, 'access_denied');
    } finally {
      await context.close().catch(() => {});
    }
  }
}

module.exports = { run };
