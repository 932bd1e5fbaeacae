'use strict';
// tapid's interop suite: complete sign-ins through relying-party software nobody here wrote, in real
// Chromium with a virtual authenticator. Prints every check, a line per relying party and
// `N passed, N failed`; exits non-zero on any failure. Started by interop/run.sh (which installs and builds).

const path = require('node:path');
const { startServer } = require('../e2e/lib/server');
const { launchBrowser } = require('../e2e/lib/browser');
const { checks, startProcess, request } = require('./lib/harness');
const jsonRp = require('./scenarios/json-rp');
const apache = require('./scenarios/apache');
const spa = require('./scenarios/spa');
const metadata = require('./scenarios/metadata');
const signout = require('./scenarios/signout');
const privateKeyJwt = require('./scenarios/private-key-jwt');
const device = require('./scenarios/device');
const par = require('./scenarios/par');
const dpop = require('./scenarios/dpop');

const RPS = path.join(__dirname, 'rps');
const versions = JSON.parse(process.env.TAPID_INTEROP_VERSIONS || '{}');
const only = (process.env.TAPID_INTEROP_ONLY || '').split(',').filter(Boolean);
const wanted = (name) => only.length === 0 || only.includes(name);

function processRp(cmd, args, cwd) {
  return (issuer) => async (clients, port) =>
    startProcess(args[args.length - 1], cmd, args, { port, cwd, env: { ISSUER: issuer, CLIENTS: JSON.stringify(clients) } });
}

async function main() {
  const t = checks();
  const server = await startServer();
  const browser = await launchBrowser();
  const { freePort } = require('../e2e/lib/net');
  try {
    await metadata.run(t, { server });
    const python = process.env.TAPID_INTEROP_PYTHON || 'python3';
    const node = process.execPath;
    const rps = [
      { name: 'openid-client', start: processRp(node, [path.join(RPS, 'node', 'openid-client.mjs')]), algs: ['RS256', 'ES256', 'EdDSA'], public: true, introspect: true, revoke: true, clientCredentials: true, logout: true },
      { name: 'oauth4webapi', start: processRp(node, [path.join(RPS, 'node', 'oauth4webapi.mjs')]), algs: ['RS256', 'ES256', 'EdDSA'], public: true, introspect: true, revoke: true, clientCredentials: true, logout: true },
      { name: 'authlib', start: processRp(python, [path.join(RPS, 'python', 'authlib_rp.py')], path.join(RPS, 'python')), algs: ['RS256', 'ES256', 'EdDSA'], public: true, introspect: true, revoke: true, clientCredentials: true },
      { name: 'pyoidc', start: processRp(python, [path.join(RPS, 'python', 'pyoidc_rp.py')], path.join(RPS, 'python')), algs: ['RS256', 'ES256'] },
      { name: 'go', start: processRp(process.env.TAPID_INTEROP_GO_RP || 'go-rp', []), algs: ['RS256', 'ES256'], public: true, logout: true },
    ];
    for (const rp of rps) {
      if (!wanted(rp.name)) continue;
      const port = await freePort();
      await jsonRp.run(t, { ...rp, server, browser, port, version: versions[rp.name] || '?', start: rp.start(server.url) });
    }
    if (wanted('apache')) await apache.run(t, { server, browser, version: versions.apache || '?' });
    if (wanted('spa')) await spa.run(t, { server, browser, version: versions['oidc-client-ts'] || '?' });
    if (wanted('signout')) await signout.run(t, { server, browser });
    if (wanted('private_key_jwt')) await privateKeyJwt.run(t, { server, version: versions['openid-client'] || '?' });
    if (wanted('device')) await device.run(t, { server, browser, version: versions['openid-client'] || '?' });
    if (wanted('par')) await par.run(t, { server, browser, version: versions['openid-client'] || '?' });
    if (wanted('dpop')) await dpop.run(t, { server, browser, version: versions['openid-client'] || '?' });
  } catch (err) {
    t.ok('the suite ran to the end', false, err.stack);
  } finally {
    await browser.close().catch(() => {});
    await server.stop().catch(() => {});
  }
  const failed = t.summary();
  process.exit(failed ? 1 : 0);
}

main();
