'use strict';
// private_key_jwt: openid-client authenticates with a key pair jose made (RS256, ES256, Ed25519) — the
// client registers only the public JWK Set, and proves itself at /token and /introspect with signed
// assertions. jose labels an Ed25519 key and its assertions `alg: Ed25519` (RFC 9864's fully specified
// name), which tapid takes beside `EdDSA`.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function run(t, { server, version }) {
  t.section(`private_key_jwt (${version}, jose)`);
  const oidc = await import('openid-client');
  const jose = await import('jose');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapid-pkjwt-'));
  for (const alg of ['RS256', 'ES256', 'Ed25519']) {
    const id = `pkjwt-${alg.toLowerCase()}`;
    const kid = `${id}-key`;
    const { publicKey, privateKey } = await jose.generateKeyPair(alg);
    const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
    const file = path.join(dir, `${id}.json`);
    fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const registered = await server.cli(['client', 'add', id, '--grant', 'client_credentials', '--jwks', file]);
    t.ok(`${alg}: registered with its public keys and no secret`, registered.client_secret === undefined, registered);
    const r = await t.step(`${alg}: client_credentials and introspection with private_key_jwt`, async () => {
      const config = await oidc.discovery(new URL(server.url), id, {}, oidc.PrivateKeyJwt(privateKey, { kid }), {
        execute: [oidc.allowInsecureRequests],
      });
      const tokens = await oidc.clientCredentialsGrant(config);
      const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
      return { tokens, introspected, methods: config.serverMetadata().token_endpoint_auth_methods_supported };
    });
    if (r) {
      t.ok(`${alg}: discovery offers private_key_jwt`, r.methods.includes('private_key_jwt'), r.methods);
      t.ok(`${alg}: the token endpoint accepted the assertion`, typeof r.tokens.access_token === 'string', r.tokens);
      t.equal(`${alg}: introspection (authenticated the same way) says active`, r.introspected.active, true);
      t.equal(`${alg}: the token is the client's`, r.introspected.client_id, id);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { run };
