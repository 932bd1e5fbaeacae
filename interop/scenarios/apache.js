'use strict';
// Apache httpd with mod_auth_openidc (Debian's packages): three applications in one server — a confidential
// client (client_secret_basic, RS256), a public client (PKCE, no secret) and a client whose ID tokens are
// ES256 — each a protected location whose CGI prints the claims it was given, as environment and headers.

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { newPage, addVirtualAuthenticator } = require('../../e2e/lib/browser');
const { signInThrough, signInAgain, freePort, request, sleep } = require('../lib/harness');

const DIR = path.join(__dirname, '..', 'rps', 'apache');

function fill(template, values) {
  return template.replace(/@([A-Z_]+)@/g, (_, k) => {
    if (!(k in values)) throw new Error(`no value for @${k}@`);
    return values[k];
  });
}

/** Start one httpd with a vhost per application; resolves to { apps: {key: {port, url, clientId}}, stop, log }. */
async function startApache(server, apps, extraClientArgs = {}) {
  const run = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tapid-interop-apache-'));
  // The server runs as www-data (httpd will not run as root); its CGI reads nothing here but needs the way in.
  await fs.promises.chmod(run, 0o755);
  const out = {};
  for (const [key, app] of Object.entries(apps)) {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const clientId = app.clientId || `apache-${key}`;
    const args = ['client', 'add', clientId, '--redirect-uri', `${base}/protected/redirect_uri`, '--post-logout-redirect-uri', `${base}/loggedout`, ...app.args, ...(extraClientArgs[key] ? extraClientArgs[key](base) : [])];
    const added = await server.cli(args);
    out[key] = { port, url: base, clientId };
    await fs.promises.writeFile(
      path.join(run, `vhost-${key}.conf`),
      fill(fs.readFileSync(path.join(DIR, app.template || 'vhost.conf.in'), 'utf8'), {
        CLIENT_SECRET: added.client_secret || '',
        NAME: key,
        PORT: String(port),
        ISSUER: server.url,
        CLIENT_ID: clientId,
        CLIENT_SECRET_LINE: added.client_secret ? `OIDCClientSecret ${added.client_secret}` : '',
        TOKEN_AUTH: added.client_secret ? 'client_secret_basic' : 'none',
        RESPONSE_MODE: app.responseMode || 'query',
        CLAIM_PREFIX: app.claimPrefix || 'OIDC_CLAIM_',
        PASSPHRASE: crypto.randomBytes(16).toString('hex'),
        DIR,
      }),
    );
  }
  const conf = path.join(run, 'httpd.conf');
  await fs.promises.writeFile(conf, fill(fs.readFileSync(path.join(DIR, 'httpd.conf.in'), 'utf8'), { RUN: run }));
  // A process group of its own: httpd's parent signals its whole group when it stops.
  const child = spawn('/usr/sbin/apache2', ['-f', conf, '-DFOREGROUND'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, APACHE_RUN_DIR: run },
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = null;
  child.on('exit', (c) => (exited = c));
  process.on('exit', () => child.kill('SIGKILL'));
  const first = Object.values(out)[0];
  for (let i = 0; ; i++) {
    if (exited !== null) throw new Error(`apache2 exited (${exited}): ${output}\n${readLog(run)}`);
    try {
      await request(`${first.url}/loggedout`, { timeoutMs: 1000 });
      break;
    } catch {
      if (i > 100) throw new Error(`apache2 did not start: ${output}`);
      await sleep(100);
    }
  }
  return {
    apps: out,
    log: () => readLog(run),
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await fs.promises.rm(run, { recursive: true, force: true });
    },
  };
}

function readLog(run) {
  try {
    return fs.readFileSync(path.join(run, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}

/** KEY=VALUE lines from the CGI. */
async function claimsPage(page) {
  const text = await page.locator('body').innerText();
  const env = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

async function run(t, { server, browser, version }) {
  t.section(`mod_auth_openidc (${version})`);
  const apache = await startApache(server, {
    conf: { args: [] },
    public: { args: ['--public'] },
    es256: { args: ['--id-token-alg', 'ES256'] },
    // httpd drops request headers with underscores from a CGI's environment: this one uses dashes.
    formpost: { args: [], responseMode: 'form_post', claimPrefix: 'OIDC-CLAIM-' },
    rs: { clientId: 'urn:example:orders', args: ['--grant', 'client_credentials', '--introspection'], template: 'resource-server.conf.in' },
  });
  const { conf, public: pub, es256, formpost, rs } = apache.apps;
  const atClaims = (app) => (u) => u.origin === app.url && u.pathname === '/protected/claims';
  try {
    const user = await server.cli(['user', 'add', 'apache-ada', '--email', 'apache-ada@example.com', '--name', 'Ada Apache']);
    const { context, page } = await newPage(browser);
    await addVirtualAuthenticator(page);
    const env = await t.step('sign-in with a pass and a new passkey', async () => {
      await signInThrough(page, { server, startUrl: `${conf.url}/protected/claims`, username: user.username, method: 'passkey', arrived: atClaims(conf) });
      return claimsPage(page);
    });
    if (env) {
      t.equal('confidential client: REMOTE_USER is the sub', env.REMOTE_USER, user.id);
      t.equal('OIDC_CLAIM_sub in the environment', env.OIDC_CLAIM_sub, user.id);
      t.equal('OIDC_CLAIM_acr is 1fa', env.OIDC_CLAIM_acr, '1fa');
      t.equal('OIDC_CLAIM_email from the ID token or userinfo', env.OIDC_CLAIM_email, 'apache-ada@example.com');
      t.equal('OIDC_CLAIM_name', env.OIDC_CLAIM_name, 'Ada Apache');
      t.ok('an access token was passed', (env.OIDC_access_token || '').split('.').length === 3, env.OIDC_access_token);
    }

    const info = async (app, extra = '') => {
      const res = await context.request.get(`${app.url}/protected/redirect_uri?info=json${extra}`, { maxRedirects: 0 });
      return res.status() === 200 ? res.json() : { status: res.status() };
    };
    const before = await t.step('session info', () => info(conf));
    const after = await t.step('refresh through the info hook', () => info(conf, '&access_token_refresh_interval=0'));
    if (before && after) {
      t.ok('the session holds a refresh token', Boolean(before.refresh_token), before);
      t.ok('refresh: a new access token', after.access_token && after.access_token !== before.access_token, after);
      t.ok('refresh: the refresh token rotated', after.refresh_token && after.refresh_token !== before.refresh_token, after);
    }

    const pubEnv = await t.step('public client sign-in', async () => {
      await signInAgain(page, { startUrl: `${pub.url}/protected/claims`, arrived: atClaims(pub) });
      return claimsPage(page);
    });
    if (pubEnv) t.equal('public client (PKCE, no secret): signed in as the same person', pubEnv.OIDC_CLAIM_sub, user.id);

    const esEnv = await t.step('ES256 client sign-in', async () => {
      await signInAgain(page, { startUrl: `${es256.url}/protected/claims`, arrived: atClaims(es256) });
      return claimsPage(page);
    });
    if (esEnv) {
      t.equal('ES256 ID token accepted', esEnv.OIDC_CLAIM_sub, user.id);
    }

    const fpEnv = await t.step('response_mode=form_post sign-in', async () => {
      await signInAgain(page, { startUrl: `${formpost.url}/protected/claims`, arrived: atClaims(formpost) });
      return claimsPage(page);
    });
    if (fpEnv) {
      t.equal('form_post: the code arrived by POST and the person is signed in', fpEnv.REMOTE_USER, user.id);
      t.equal('claims passed as request headers too (OIDC-CLAIM-sub)', fpEnv.HTTP_OIDC_CLAIM_SUB, user.id);
    }

    const loggedOut = await t.step('logout through the redirect URI', async () => {
      await page.goto(`${conf.url}/protected/redirect_uri?logout=${encodeURIComponent(`${conf.url}/loggedout`)}`);
      await page.waitForURL((u) => u.origin === conf.url && u.pathname === '/loggedout', { waitUntil: 'load' });
      return page.locator('body').innerText();
    });
    if (loggedOut !== undefined) {
      t.ok('came back to the application after end-session', /logged out/.test(loggedOut), loggedOut);
      const after = await context.request.get(`${conf.url}/protected/claims`, { maxRedirects: 0 });
      t.equal("the application's session ended: it sends the person to sign in again", after.status(), 302);
    }
    await context.close();

    // Resource-server mode: the API introspects each bearer token with its own credentials.
    const caller = await server.cli(['client', 'add', 'orders-caller', '--grant', 'client_credentials']);
    const ccToken = async (extra) => {
      const res = await request(`${server.url}/token`, {
        form: { grant_type: 'client_credentials', ...extra },
        headers: { authorization: `Basic ${Buffer.from(`orders-caller:${caller.client_secret}`).toString('base64')}` },
      });
      return res.json.access_token;
    };
    const api = (token) => request(`${rs.url}/api/claims`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const forOrders = await api(await ccToken({ resource: 'urn:example:orders' }));
    t.equal('resource server: a token issued for it is accepted (introspected active)', forOrders.status, 200);
    t.ok('resource server: REMOTE_USER is the calling client', /REMOTE_USER=orders-caller/.test(forOrders.text), forOrders.text);
    t.equal('resource server: a token for another audience is refused', (await api(await ccToken({}))).status, 401);
    t.equal('resource server: no token is refused', (await api(null)).status, 401);

    const bea = await server.cli(['user', 'add', 'apache-bea']);
    const second = await newPage(browser);
    const env2 = await t.step('sign-in with a pass and a new authenticator app', async () => {
      await signInThrough(second.page, { server, startUrl: `${conf.url}/protected/claims`, username: bea.username, method: 'totp', arrived: atClaims(conf) });
      return claimsPage(second.page);
    });
    if (env2) {
      t.equal('pass → TOTP: OIDC_CLAIM_sub', env2.OIDC_CLAIM_sub, bea.id);
      t.ok('OIDC_CLAIM_amr has tap and otp', /tap/.test(env2.OIDC_CLAIM_amr || '') && /otp/.test(env2.OIDC_CLAIM_amr || ''), env2.OIDC_CLAIM_amr);
    }
    await second.context.close();
  } catch (err) {
    t.ok('mod_auth_openidc scenario', false, `${err.message}\n${apache.log().slice(-2000)}`);
  } finally {
    await apache.stop();
  }
}

module.exports = { run, startApache, claimsPage };
