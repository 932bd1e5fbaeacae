// node-oidc-provider configured like tapid for tapid-bench's side-by-side run:
// `client_credentials` with client_secret_basic, JWT access tokens signed RS256 (or ES256 for the second
// client), a fresh RSA-2048 and P-256 key, discovery and JWKS. tapid-bench starts it as
//   PORT=… ISSUER=http://localhost:… CLIENTS='[{"id":…,"secret":…,"alg":"RS256"},…]' node server.mjs
// and waits for discovery to answer. Nothing is persisted (the default in-memory adapter); no request log.

import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = process.env.ISSUER;
const clients = JSON.parse(process.env.CLIENTS ?? '[]');
if (!port || !issuer) {
  console.error('server.mjs: PORT and ISSUER are required');
  process.exit(2);
}

function jwk(type, options, alg, kid) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid };
}

const keys = [
  jwk('rsa', { modulusLength: 2048 }, 'RS256', 'rs256'),
  jwk('ec', { namedCurve: 'P-256' }, 'ES256', 'es256'),
];
const algOf = new Map(clients.map((c) => [c.id, c.alg]));
const resource = `${issuer}/api`;

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys },
  ttl: { ClientCredentials: 600 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // JWT access tokens, as tapid issues them, need a resource server in node-oidc-provider.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, _indicator, client) => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: algOf.get(client.clientId) ?? 'RS256' } },
      }),
    },
  },
});

const server = createServer(provider.callback());
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`node-oidc-provider listening on 127.0.0.1:${port} for ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
