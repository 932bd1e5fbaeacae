'use strict';
// Sign-out that reaches the applications: a person signed in with a pass to Apache (mod_auth_openidc,
// back-channel logout through its redirect URI) and to a second application (openid-client, whose
// back-channel logout endpoint validates every Logout Token with jose). Revoking the pass ends both
// application sessions within seconds; so does an administrator's sign-out.

const path = require('node:path');
const { newPage, addVirtualAuthenticator } = require('../../e2e/lib/browser');
const { signInThrough, signInAgain, startProcess, freePort, request, sleep, pageJson } = require('../lib/harness');
const { startApache, claimsPage } = require('./apache');

/** Polls `probe()` until it is true or `ms` pass; resolves to the milliseconds it took, or null. */
async function within(ms, probe) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await probe()) return Date.now() - start;
    await sleep(200);
  }
  return null;
}

async function run(t, { server, browser }) {
  t.section('sign-out reaches the applications (back-channel logout)');
  const apache = await startApache(server, { bcl: { args: [] } }, {
    bcl: (base) => ['--backchannel-logout-uri', `${base}/protected/redirect_uri?logout=backchannel`],
  });
  const port = await freePort();
  const second = `http://localhost:${port}`;
  const added = await server.cli([
    'client', 'add', 'second-app', '--redirect-uri', `${second}/callback`, '--backchannel-logout-uri', `${second}/backchannel-logout`,
  ]);
  const app2 = await startProcess('openid-client (second application)', process.execPath, [path.join(__dirname, '..', 'rps', 'node', 'openid-client.mjs')], {
    port,
    env: { ISSUER: server.url, CLIENTS: JSON.stringify({ bcl: { id: 'second-app', secret: added.client_secret, alg: 'RS256' } }) },
  });
  const { bcl } = apache.apps;
  const apacheSignedIn = async (context) => {
    const res = await context.request.get(`${bcl.url}/protected/claims`, { maxRedirects: 0 });
    return res.status() === 200;
  };
  const secondSignedIn = async () => (await request(`${second}/session?c=bcl`)).json.signed_in;
  try {
    for (const [how, end] of [
      ['revoking the pass', (username) => server.cli(['tap', 'revoke', username])],
      ['disabling the account', (username) => server.cli(['user', 'disable', username])],
    ]) {
      const username = how.startsWith('revoking') ? 'cleo' : 'dana';
      await server.cli(['user', 'add', username]);
      const { context, page } = await newPage(browser);
      await addVirtualAuthenticator(page);
      const signedIn = await t.step(`${how}: signed in to both applications`, async () => {
        await signInThrough(page, {
          server,
          startUrl: `${bcl.url}/protected/claims`,
          username,
          method: 'passkey',
          arrived: (u) => u.origin === bcl.url && u.pathname === '/protected/claims',
        });
        const env = await claimsPage(page);
        await signInAgain(page, { startUrl: `${second}/login?c=bcl`, arrived: (u) => u.origin === second && u.pathname === '/callback' });
        const r = await pageJson(page);
        return env.OIDC_CLAIM_sub && r.ok;
      });
      t.ok(`${how}: signed in to Apache and to the second application with one pass`, signedIn);
      t.ok(`${how}: Apache has a session`, await apacheSignedIn(context));
      t.ok(`${how}: the second application has a session`, await secondSignedIn());

      await end(username);

      const apacheMs = await within(15_000, async () => !(await apacheSignedIn(context)));
      const secondMs = await within(15_000, async () => !(await secondSignedIn()));
      t.ok(`${how}: Apache's session ended (mod_auth_openidc back-channel logout)`, apacheMs !== null, 'still signed in after 15 s');
      t.ok(`${how}: the second application's session ended (Logout Token validated with jose)`, secondMs !== null, 'still signed in after 15 s');
      t.ok(`${how}: both within seconds (${apacheMs} ms, ${secondMs} ms)`, apacheMs !== null && secondMs !== null && Math.max(apacheMs, secondMs) < 10_000);
      await context.close();
    }
    const received = (await request(`${second}/session?c=bcl`)).json.logout_tokens;
    t.equal('the second application received one Logout Token per ended session', received.length, 2);
    t.ok('each Logout Token named the tapid session (sid)', received.every((r) => r.sid && r.ended === 1), received);
  } catch (err) {
    t.ok('back-channel logout scenario', false, `${err.stack}\n${apache.log().slice(-2000)}`);
  } finally {
    await app2.stop();
    await apache.stop();
  }
}

module.exports = { run };
