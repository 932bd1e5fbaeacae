'use strict';
// What relying parties read before they sign anyone in: discovery, RFC 8414 metadata and the JWK Set.

const { request } = require('../lib/harness');

async function run(t, { server }) {
  t.section('metadata');
  // An EdDSA key must exist before the others run: RS256-only libraries must cope with it in the JWK Set.
  const warm = await server.cli(['client', 'add', 'warm-eddsa', '--grant', 'client_credentials', '--access-token-alg', 'EdDSA']);
  const cc = await request(`${server.url}/token`, {
    form: { grant_type: 'client_credentials' },
    headers: { authorization: `Basic ${Buffer.from(`warm-eddsa:${warm.client_secret}`).toString('base64')}` },
  });
  t.equal('an EdDSA-signed access token (puts an OKP key in the JWK Set)', cc.status, 200);
  const jwks = (await request(`${server.url}/jwks`)).json;
  t.ok('the JWK Set holds RSA, EC and OKP keys', ['RSA', 'EC', 'OKP'].every((k) => jwks.keys.some((j) => j.kty === k)), jwks.keys.map((k) => k.kty));
  t.ok('an OKP key never comes first (cjose stops at it)', jwks.keys[0].kty !== 'OKP', jwks.keys.map((k) => k.kty));
  const d = (await request(`${server.url}/.well-known/openid-configuration`)).json;
  t.equal('discovery issuer', d.issuer, server.url);
}

module.exports = { run };
