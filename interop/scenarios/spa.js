'use strict';
// A single-page application served from another origin (http://127.0.0.1:PORT, so another site than tapid
// at localhost) with oidc-client-ts: sign-in with code + PKCE from the browser, refresh and revocation by
// cross-origin fetch, which only work when tapid answers CORS for the application's origin.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const { newPage, addVirtualAuthenticator } = require('../../e2e/lib/browser');
const { signInThrough, freePort, request } = require('../lib/harness');

const DIR = path.join(__dirname, '..', 'rps', 'spa');
const BUNDLE = path.join(__dirname, '..', 'node_modules', 'oidc-client-ts', 'dist', 'browser', 'oidc-client-ts.min.js');

async function serveSpa() {
  const port = await freePort();
  const files = {
    '/index.html': ['text/html', path.join(DIR, 'index.html')],
    '/callback.html': ['text/html', path.join(DIR, 'callback.html')],
    '/app.js': ['text/javascript', path.join(DIR, 'app.js')],
    '/oidc-client-ts.min.js': ['text/javascript', BUNDLE],
  };
  const srv = http.createServer((req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store' });
    res.end(fs.readFileSync(f[1]));
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => srv.close(r)) };
}

async function run(t, { server, browser, version }) {
  t.section(`oidc-client-ts SPA (${version})`);
  const spa = await serveSpa();
  try {
    await server.cli(['client', 'add', 'spa', '--public', '--redirect-uri', `${spa.origin}/callback.html`, '--post-logout-redirect-uri', `${spa.origin}/index.html`]);
    const user = await server.cli(['user', 'add', 'spa-ada']);
    const { context, page, errors } = await newPage(browser);
    await addVirtualAuthenticator(page);
    const config = new URLSearchParams({ issuer: server.url, client_id: 'spa' });
    const signedIn = await t.step('sign-in from the browser application', async () => {
      await signInThrough(page, {
        server,
        startUrl: `${spa.origin}/index.html#${config}`,
        username: user.username,
        method: 'passkey',
        arrived: (u) => u.origin === spa.origin && u.pathname === '/callback.html',
        before: () => page.evaluate(() => {
          window.spa.login();
        }),
      });
      return page.evaluate(() => window.signedIn);
    });
    if (signedIn !== undefined) {
      t.ok('code + PKCE exchanged by the browser (cross-origin /token, discovery, /jwks, /userinfo)', signedIn && signedIn.sub === user.id, signedIn);
      t.ok('a refresh token for the browser application', Boolean(signedIn && signedIn.refresh_token));
    }
    const refreshed = await t.step('refresh by cross-origin fetch', () => page.evaluate(() => window.spa.refresh()));
    if (refreshed !== undefined) {
      t.ok('refresh from the browser gives new tokens', refreshed && refreshed.access_token && refreshed.access_token !== signedIn?.access_token, refreshed);
    }
    const revoked = await t.step('revocation by cross-origin fetch', () => page.evaluate(() => window.spa.revoke()));
    t.equal('oidc-client-ts revokeTokens succeeded (CORS on /revoke)', revoked, 'revoked');
    if (refreshed && refreshed.refresh_token) {
      const res = await request(`${server.url}/introspect`, { form: { client_id: 'spa', token: refreshed.refresh_token } });
      t.equal('the refresh token is revoked', res.json && res.json.active, false);
    }
    const pageCors = await page.evaluate(async (issuer) => {
      try {
        await fetch(`${issuer}/login`);
        return 'readable';
      } catch {
        return 'refused';
      }
    }, server.url);
    t.equal('pages answer no CORS: a cross-origin read of /login is refused', pageCors, 'refused');
    t.ok('no page errors except the refused read', errors.filter((e) => !/\/login|CORS|Failed to fetch/.test(e)).length === 0, errors);
    await context.close();
  } finally {
    await spa.stop();
  }
}

module.exports = { run };
