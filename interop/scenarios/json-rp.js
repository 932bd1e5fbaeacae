'use strict';
// The relying parties that answer the driver in JSON (go-oidc, authlib, pyoidc, openid-client, oauth4webapi):
// each gets its own clients and people, and the same sign-ins; what a library can do decides the rest.

const { newPage, addVirtualAuthenticator } = require('../../e2e/lib/browser');
const { pageJson, signInThrough, signInAgain, request } = require('../lib/harness');

/**
 * @param {object} t the checks
 * @param {{server, browser, name: string, start: (clients) => Promise<{url, stop}>,
 *          algs: string[], public?: boolean, introspect?: boolean, revoke?: boolean,
 *          clientCredentials?: boolean, logout?: boolean}} rp
 */
async function run(t, rp) {
  const { server, browser, name } = rp;
  t.section(`${name} (${rp.version})`);
  const port = rp.port;
  const base = `http://localhost:${port}`;
  const clients = {};
  const register = async (key, args) => {
    const id = `${name}-${key}`;
    const out = await server.cli(['client', 'add', id, '--redirect-uri', `${base}/callback`, '--post-logout-redirect-uri', `${base}/signed-out`, ...args]);
    clients[key] = { id, secret: out.client_secret || null, alg: args.includes('--id-token-alg') ? args[args.indexOf('--id-token-alg') + 1] : 'RS256' };
  };
  for (const alg of rp.algs) await register(alg.toLowerCase(), alg === 'RS256' ? [] : ['--id-token-alg', alg]);
  if (rp.public) await register('public', ['--public']);
  if (rp.clientCredentials) {
    const id = `${name}-service`;
    const out = await server.cli(['client', 'add', id, '--grant', 'client_credentials']);
    clients.service = { id, secret: out.client_secret, alg: 'RS256' };
  }
  const proc = await rp.start(clients, port);
  const arrived = (path) => (u) => u.origin === base && u.pathname === path;
  try {
    // 1. A first day: the pass, a passkey, back at the application with tokens the library validated.
    const user = await server.cli(['user', 'add', `${name}-ada`, '--email', `${name}-ada@example.com`]);
    const { context, page } = await newPage(browser);
    await addVirtualAuthenticator(page);
    const first = await t.step('sign-in with a pass and a new passkey', async () => {
      await signInThrough(page, { server, startUrl: `${base}/login?c=rs256`, username: user.username, method: 'passkey', arrived: arrived('/callback') });
      return pageJson(page);
    });
    if (first) {
      t.ok('pass → passkey sign-in: the library accepted the code, ID token and userinfo', first.ok, first.error);
      t.equal('ID token sub is the person', first.claims?.sub, user.id);
      t.equal('acr is 1fa (a pass then a method registered)', first.claims?.acr, '1fa');
      t.ok('amr has tap and a passkey', first.claims?.amr?.includes('tap') && first.claims?.amr?.some((a) => a === 'hwk' || a === 'swk'), first.claims?.amr);
      t.equal('userinfo names the same person', first.userinfo?.sub, user.id);
      t.equal('userinfo has the email', first.userinfo?.email, `${name}-ada@example.com`);
    }

    // 2. The other signing algorithms (and a public client), by single sign-on in the same browser.
    for (const alg of rp.algs.filter((a) => a !== 'RS256')) {
      const r = await t.step(`${alg} sign-in`, async () => {
        await signInAgain(page, { startUrl: `${base}/login?c=${alg.toLowerCase()}`, arrived: arrived('/callback') });
        return pageJson(page);
      });
      if (r) {
        t.ok(`${alg} ID token validated against the JWKS`, r.ok, r.error);
        if (r.alg) t.equal(`${alg}: the ID token is signed with ${alg}`, r.alg, alg);
      }
    }
    if (rp.public) {
      const r = await t.step('public client sign-in', async () => {
        await signInAgain(page, { startUrl: `${base}/login?c=public`, arrived: arrived('/callback') });
        return pageJson(page);
      });
      if (r) t.ok('public client (PKCE, no secret) completed the code exchange', r.ok, r.error);
    }

    // 3. Server-side calls on the first client's tokens.
    const call = async (path) => (await request(`${base}${path}`)).json;
    const refreshed = await t.step('refresh', () => call('/refresh?c=rs256'));
    if (refreshed) {
      t.ok('refresh_token grant accepted', refreshed.ok, refreshed.error);
      t.equal('the refresh token rotated', refreshed.rotated, true);
    }
    if (rp.public) {
      const r = await t.step('public client refresh', () => call('/refresh?c=public'));
      if (r) t.ok('public client refresh accepted', r.ok, r.error);
    }
    if (rp.introspect) {
      const r = await t.step('introspection', () => call('/introspect?c=rs256'));
      if (r) {
        t.ok('introspection answered', r.ok, r.error);
        t.equal('the access token is active', r.access?.active, true);
        t.equal('the refresh token is active', r.refresh?.active, true);
        t.equal('the refresh token says token_type refresh_token', r.refresh?.token_type, 'refresh_token');
      }
    }
    if (rp.revoke) {
      const r = await t.step('revocation', () => call('/revoke?c=rs256'));
      if (r) {
        t.ok('revocation answered', r.ok, r.error);
        t.equal('a revoked refresh token introspects inactive', r.after?.active, false);
        t.equal('a revoked refresh token is refused', r.refreshAfterRevoke, 'invalid_grant');
      }
    }
    if (rp.clientCredentials) {
      const r = await t.step('client_credentials', () => call('/client_credentials?c=service'));
      if (r) {
        t.ok('client_credentials grant accepted', r.ok, r.error);
        t.ok('a Bearer access token', /^bearer$/i.test(r.token_type || ''), r.token_type);
      }
    }
    if (rp.logout) {
      const r = await t.step('RP-initiated logout', async () => {
        await page.goto(`${base}/logout?c=es256`);
        await page.waitForURL((u) => u.origin === base && u.pathname === '/signed-out', { waitUntil: 'load' });
        return pageJson(page);
      });
      if (r) {
        t.ok('end-session came back to the post_logout_redirect_uri', r.signed_out, r.error);
        t.equal('with the state the library sent', r.state, `${name}-es256`);
        await page.goto(`${base}/login?c=rs256`);
        await page.waitForURL((u) => u.pathname === '/login' || u.pathname.startsWith('/login'), { waitUntil: 'load' });
        t.ok('after logout the next sign-in asks again', new URL(page.url()).pathname === '/login', page.url());
      }
    }
    await context.close();

    // 4. Another person signs in with a pass and an authenticator app.
    const bea = await server.cli(['user', 'add', `${name}-bea`]);
    const second = await newPage(browser);
    const r = await t.step('sign-in with a pass and a new authenticator app', async () => {
      await signInThrough(second.page, { server, startUrl: `${base}/login?c=rs256`, username: bea.username, method: 'totp', arrived: arrived('/callback') });
      return pageJson(second.page);
    });
    if (r) {
      t.ok('pass → TOTP sign-in accepted by the library', r.ok, r.error);
      t.equal('ID token sub is the second person', r.claims?.sub, bea.id);
      t.ok('amr has tap and otp', r.claims?.amr?.includes('tap') && r.claims?.amr?.includes('otp'), r.claims?.amr);
    }
    await second.context.close();
  } finally {
    await proc.stop();
  }
}

module.exports = { run };
