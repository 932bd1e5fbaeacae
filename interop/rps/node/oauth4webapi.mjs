// A relying party built on oauth4webapi, unmodified, at its strictest: discovery checked against the issuer,
// validateAuthResponse (state, RFC 9207 iss), PKCE, requireIdToken with nonce and auth_time checks, every ID
// token's signature checked against the JWKS (validateApplicationLevelSignature), userinfo subject check,
// introspection, revocation, client_credentials and RP-initiated logout.
import * as oauth from 'oauth4webapi';
import { env, serve, payload } from './common.mjs';

const { issuer, port, base, clients } = env();
const insecure = { [oauth.allowInsecureRequests]: true };
const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oidc' }));

function of(name) {
  const c = clients[name];
  if (!c) throw new Error(`no client ${name}`);
  return {
    client: { client_id: c.id, id_token_signed_response_alg: c.alg || 'RS256' },
    auth: c.secret ? oauth.ClientSecretBasic(c.secret) : oauth.None(),
  };
}

/** Processes a token endpoint response, then checks the ID token's signature against the JWK Set. */
async function tokenResponse(response, process) {
  const checked = await process(response);
  if (checked.id_token) await oauth.validateApplicationLevelSignature(as, response, insecure);
  return checked;
}

const pending = new Map();
const sessions = {};

serve(port, {
  '/login': async (url) => {
    const name = url.searchParams.get('c');
    of(name);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    pending.set(state, { name, verifier, nonce });
    const u = new URL(as.authorization_endpoint);
    u.search = new URLSearchParams({
      client_id: clients[name].id,
      redirect_uri: `${base}/callback`,
      response_type: 'code',
      scope: 'openid profile email offline_access',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { redirect: u };
  },
  '/callback': async (url) => {
    const p = pending.get(url.searchParams.get('state'));
    if (!p) throw new Error('unknown state');
    pending.delete(url.searchParams.get('state'));
    const { client, auth } = of(p.name);
    const params = oauth.validateAuthResponse(as, client, url, url.searchParams.get('state'));
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, `${base}/callback`, p.verifier, insecure);
    const tokens = await tokenResponse(response, (r) =>
      oauth.processAuthorizationCodeResponse(as, client, r, { expectedNonce: p.nonce, requireIdToken: true, maxAge: 3600 }),
    );
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    const userinfo = await oauth.processUserInfoResponse(
      as,
      client,
      claims.sub,
      await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
    );
    sessions[p.name] = { tokens, sub: claims.sub };
    return { client: p.name, claims, userinfo, alg: JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url')).alg };
  },
  '/refresh': async (url) => {
    const name = url.searchParams.get('c');
    const { client, auth } = of(name);
    const { tokens: old, sub } = sessions[name];
    const response = await oauth.refreshTokenGrantRequest(as, client, auth, old.refresh_token, insecure);
    const tokens = await tokenResponse(response, (r) => oauth.processRefreshTokenResponse(as, client, r));
    await oauth.processUserInfoResponse(as, client, sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
    sessions[name] = { tokens, sub };
    return {
      rotated: tokens.refresh_token !== old.refresh_token,
      new_access_token: tokens.access_token !== old.access_token,
      id_token_sub: oauth.getValidatedIdTokenClaims(tokens)?.sub,
    };
  },
  '/introspect': async (url) => {
    const name = url.searchParams.get('c');
    const { client, auth } = of(name);
    const t = sessions[name].tokens;
    const ask = async (token) =>
      oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, token, insecure));
    return { access: await ask(t.access_token), refresh: await ask(t.refresh_token) };
  },
  '/revoke': async (url) => {
    const name = url.searchParams.get('c');
    const { client, auth } = of(name);
    const t = sessions[name].tokens;
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, t.refresh_token, insecure));
    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, t.refresh_token, insecure),
    );
    let refreshAfterRevoke;
    try {
      await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, t.refresh_token, insecure));
      refreshAfterRevoke = 'accepted';
    } catch (err) {
      refreshAfterRevoke = err.error || err.code || String(err);
    }
    return { after, refreshAfterRevoke };
  },
  '/client_credentials': async (url) => {
    const { client, auth } = of(url.searchParams.get('c'));
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    return { token_type: tokens.token_type, expires_in: tokens.expires_in, claims: payload(tokens.access_token) };
  },
  '/logout': async (url) => {
    const name = url.searchParams.get('c');
    const u = new URL(as.end_session_endpoint);
    u.search = new URLSearchParams({
      id_token_hint: sessions[name].tokens.id_token,
      post_logout_redirect_uri: `${base}/signed-out`,
      state: `oauth4webapi-${name}`,
    });
    return { redirect: u };
  },
  '/signed-out': async (url) => ({ signed_out: true, state: url.searchParams.get('state') }),
});
