// A relying party built on openid-client v6, unmodified, with its strictest validation: discovery checked
// against the issuer, RFC 9207 `iss` in the authorization response, PKCE, nonce, ID token signatures checked
// against the JWKS (enableNonRepudiationChecks), userinfo subject check, and RP-initiated logout.
import * as client from 'openid-client';
import * as jose from 'jose';
import { env, serve, payload } from './common.mjs';

const { issuer, port, base, clients } = env();
const configs = {};
async function config(name) {
  const c = clients[name];
  if (!c) throw new Error(`no client ${name}`);
  if (!configs[name]) {
    const auth = c.secret ? client.ClientSecretBasic(c.secret) : client.None();
    const metadata = { id_token_signed_response_alg: c.alg || 'RS256' };
    const cfg = await client.discovery(new URL(issuer), c.id, metadata, auth, {
      execute: [client.allowInsecureRequests],
    });
    client.enableNonRepudiationChecks(cfg);
    configs[name] = cfg;
  }
  return configs[name];
}

const pending = new Map();
const sessions = {};
const logoutTokens = [];
let jwks;
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * Back-Channel Logout 1.0 §2.6, checked with jose: signature against the JWK Set, iss, aud (one of this
 * application's clients), iat/exp, typ logout+jwt, the event, sid or sub, and no nonce. Then the local
 * sessions of that tapid session (sid) end.
 */
async function backchannelLogout(body) {
  const token = body.get('logout_token');
  if (!token) throw new Error('no logout_token');
  const cfg = await config(Object.keys(clients)[0]);
  jwks ||= jose.createRemoteJWKSet(new URL(cfg.serverMetadata().jwks_uri));
  const { payload: claims, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer,
    audience: Object.values(clients).map((c) => c.id),
    typ: 'logout+jwt',
    requiredClaims: ['iat', 'exp', 'jti', 'events'],
    maxTokenAge: '2 minutes',
  });
  if (!claims.events || typeof claims.events[BACKCHANNEL_EVENT] !== 'object') throw new Error('no back-channel logout event');
  if ('nonce' in claims) throw new Error('a Logout Token must not carry a nonce');
  if (!claims.sid && !claims.sub) throw new Error('neither sid nor sub');
  let ended = 0;
  for (const [name, s] of Object.entries(sessions)) {
    const idClaims = s.tokens.claims();
    if ((claims.sid && idClaims.sid === claims.sid) || (!claims.sid && idClaims.sub === claims.sub)) {
      delete sessions[name];
      ended++;
    }
  }
  logoutTokens.push({ alg: protectedHeader.alg, sid: claims.sid, sub: claims.sub, aud: claims.aud, ended });
  return { ended };
}

serve(port, {
  '/login': async (url) => {
    const name = url.searchParams.get('c');
    const cfg = await config(name);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    pending.set(state, { name, verifier, nonce });
    return {
      redirect: client.buildAuthorizationUrl(cfg, {
        redirect_uri: `${base}/callback`,
        scope: 'openid profile email offline_access',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }),
    };
  },
  '/callback': async (url) => {
    const p = pending.get(url.searchParams.get('state'));
    if (!p) throw new Error('unknown state');
    pending.delete(url.searchParams.get('state'));
    const cfg = await config(p.name);
    const tokens = await client.authorizationCodeGrant(cfg, url, {
      pkceCodeVerifier: p.verifier,
      expectedState: url.searchParams.get('state'),
      expectedNonce: p.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(cfg, tokens.access_token, claims.sub);
    sessions[p.name] = { tokens, sub: claims.sub };
    return { client: p.name, claims, userinfo, alg: JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url')).alg };
  },
  '/refresh': async (url) => {
    const name = url.searchParams.get('c');
    const cfg = await config(name);
    const { tokens: old, sub } = sessions[name];
    const tokens = await client.refreshTokenGrant(cfg, old.refresh_token);
    await client.fetchUserInfo(cfg, tokens.access_token, sub);
    sessions[name] = { tokens, sub };
    return {
      rotated: tokens.refresh_token !== old.refresh_token,
      new_access_token: tokens.access_token !== old.access_token,
      id_token_sub: tokens.claims()?.sub,
    };
  },
  '/introspect': async (url) => {
    const name = url.searchParams.get('c');
    const cfg = await config(name);
    const t = sessions[name].tokens;
    const access = await client.tokenIntrospection(cfg, t.access_token);
    const refresh = await client.tokenIntrospection(cfg, t.refresh_token);
    return { access, refresh };
  },
  '/revoke': async (url) => {
    const name = url.searchParams.get('c');
    const cfg = await config(name);
    const t = sessions[name].tokens;
    await client.tokenRevocation(cfg, t.refresh_token);
    const after = await client.tokenIntrospection(cfg, t.refresh_token);
    let refreshAfterRevoke;
    try {
      await client.refreshTokenGrant(cfg, t.refresh_token);
      refreshAfterRevoke = 'accepted';
    } catch (err) {
      refreshAfterRevoke = err.error || err.code || String(err);
    }
    return { after, refreshAfterRevoke };
  },
  '/client_credentials': async (url) => {
    const cfg = await config(url.searchParams.get('c'));
    const tokens = await client.clientCredentialsGrant(cfg, {});
    return { token_type: tokens.token_type, expires_in: tokens.expiresIn(), claims: payload(tokens.access_token) };
  },
  '/logout': async (url) => {
    const name = url.searchParams.get('c');
    const cfg = await config(name);
    return {
      redirect: client.buildEndSessionUrl(cfg, {
        id_token_hint: sessions[name].tokens.id_token,
        post_logout_redirect_uri: `${base}/signed-out`,
        state: `openid-client-${name}`,
      }),
    };
  },
  '/signed-out': async (url) => ({ signed_out: true, state: url.searchParams.get('state') }),
  '/backchannel-logout': async (_url, req) => backchannelLogout(req.body),
  '/session': async (url) => ({ signed_in: Boolean(sessions[url.searchParams.get('c')]), logout_tokens: logoutTokens }),
});
