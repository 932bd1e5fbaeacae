'use strict';
// A tiny OpenID Connect relying party for the journeys.
//
//   const rp = await startRelyingParty({ issuer: server.url });
//   const client = await server.cli(['client', 'add', 'shop', '--redirect-uri', rp.redirectUri]);
//   const req = rp.authorizationRequest({ clientId: 'shop' });   // { url, state, nonce, codeVerifier, ... }
//   await page.goto(req.url);  ...  the person signs in  ...
//   const cb = await rp.waitForCallback({ state: req.state });    // { code, state, iss, error, ... }
//   const tokens = await rp.exchangeCode({ clientId: 'shop', clientSecret, code: cb.code, codeVerifier: req.codeVerifier });
//   const claims = decodeJwtPayload(tokens.id_token);             // not verified: the Rust suite checks signatures
//   const out = rp.endSessionRequest({ idTokenHint: tokens.id_token }); // → /logout … → rp.postLogoutRedirectUri
//   await rp.stop();

const crypto = require('node:crypto');
const http = require('node:http');
const { freePort, request } = require('./net');

/** A 1×1 PNG: the test application's logo. */
const LOGO_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const base64url = (buf) => Buffer.from(buf).toString('base64url');

/** A PKCE pair (RFC 7636, S256): a 43-character verifier from 32 random bytes and its challenge. */
function pkcePair() {
  const codeVerifier = base64url(crypto.randomBytes(32));
  return { codeVerifier, codeChallenge: s256(codeVerifier), codeChallengeMethod: 'S256' };
}

/** base64url(sha256(ascii(verifier))), no padding. */
function s256(verifier) {
  return base64url(crypto.createHash('sha256').update(verifier, 'ascii').digest());
}

/** A random opaque value for state or nonce. */
function randomToken(bytes = 16) {
  return base64url(crypto.randomBytes(bytes));
}

/** The payload of a compact JWS as an object, without checking anything. */
function decodeJwtPayload(jwt) {
  if (typeof jwt !== 'string') throw new Error(`not a JWT: ${jwt}`);
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error(`not a compact JWS (${parts.length} parts)`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

/** The header of a compact JWS as an object. */
function decodeJwtHeader(jwt) {
  return JSON.parse(Buffer.from(String(jwt).split('.')[0], 'base64url').toString('utf8'));
}

/** HTTP Basic credentials for client_secret_basic: each part form-urlencoded first (RFC 6749 §2.3.1). */
function basicAuth(clientId, clientSecret) {
  const enc = (s) => new URLSearchParams({ x: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function callbackPage(query) {
  const rows = Object.entries(query)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd id="cb-${escapeHtml(k)}">${escapeHtml(v)}</dd>`)
    .join('\n');
  const title = query.error ? 'callback received: error' : 'callback received';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui,sans-serif;margin:2rem}dd{font-family:monospace;word-break:break-all;margin:0 0 .5rem 1rem}</style>
</head><body><h1 id="cb-title">${title}</h1><p>The test relying party received this redirect.</p><dl>
${rows}
</dl></body></html>`;
}

function signedOutPage(query) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>signed out</title>
<style>body{font:16px system-ui,sans-serif;margin:2rem}</style>
</head><body><h1 id="so-title">signed out</h1><p>The test relying party received the post-logout redirect${
    query.state ? ` (state <code id="so-state">${escapeHtml(query.state)}</code>)` : ''
  }.</p></body></html>`;
}

/**
 * Start the relying party on a free port on 127.0.0.1. Its redirect URI is http://localhost:PORT/callback.
 * @param {{issuer: string}} opts the tapid issuer, e.g. server.url
 */
async function startRelyingParty({ issuer } = {}) {
  if (!issuer) throw new Error('startRelyingParty: issuer is required');
  issuer = issuer.replace(/\/+$/, '');
  const callbacks = []; // every query received at /callback, in order
  const waiters = []; // { match, resolve } for waitForCallback
  let taken = 0; // how many callbacks waitForCallback already handed out without a state filter

  const logouts = []; // every query received at /signed-out (RP-initiated logout), in order

  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://localhost');
    if (u.pathname === '/logo.png') {
      // The application's logo (register it with --logo-uri `${rp.origin}/logo.png`).
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
      res.end(LOGO_PNG);
      return;
    }
    if (u.pathname === '/signed-out') {
      logouts.push({ ...Object.fromEntries(u.searchParams), receivedAt: new Date().toISOString() });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(signedOutPage(Object.fromEntries(u.searchParams)));
      return;
    }
    if (u.pathname !== '/callback') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
      return;
    }
    const query = Object.fromEntries(u.searchParams);
    const entry = { ...query, receivedAt: new Date().toISOString(), method: req.method, rawQuery: u.search };
    callbacks.push(entry);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].match(entry)) waiters.splice(i, 1)[0].resolve(entry);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(callbackPage(query));
  });
  const port = await freePort();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', resolve);
  });

  const origin = `http://localhost:${port}`;
  const redirectUri = `${origin}/callback`;
  const postLogoutRedirectUri = `${origin}/signed-out`;
  const endpoints = {
    authorization: `${issuer}/authorize`,
    token: `${issuer}/token`,
    userinfo: `${issuer}/userinfo`,
    revocation: `${issuer}/revoke`,
    endSession: `${issuer}/logout`,
  };

  const rp = {
    port,
    origin,
    redirectUri,
    postLogoutRedirectUri,
    issuer,
    endpoints,
    callbacks,
    logouts,

    /**
     * An RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0) that comes back to
     * postLogoutRedirectUri (register it with `--post-logout-redirect-uri`). Returns { url, state }.
     * @param {{idTokenHint?: string, clientId?: string, postLogoutRedirectUri?: string|null}} [p]
     */
    endSessionRequest(p = {}) {
      const state = randomToken();
      const params = new URLSearchParams({ state });
      if (p.idTokenHint) params.set('id_token_hint', p.idTokenHint);
      if (p.clientId) params.set('client_id', p.clientId);
      if (p.postLogoutRedirectUri !== null) {
        params.set('post_logout_redirect_uri', p.postLogoutRedirectUri || postLogoutRedirectUri);
      }
      return { url: `${endpoints.endSession}?${params}`, state };
    },

    /**
     * Build an authorization request with PKCE S256, a fresh state and nonce. Keep the result: it holds the
     * verifier the token exchange needs.
     * @param {{clientId: string, scope?: string, redirectUri?: string, acrValues?: string, prompt?: string,
     *          loginHint?: string, maxAge?: number, extra?: Record<string,string>}} p
     */
    authorizationRequest(p) {
      if (!p || !p.clientId) throw new Error('authorizationRequest: clientId is required');
      const { codeVerifier, codeChallenge } = pkcePair();
      const state = randomToken();
      const nonce = randomToken();
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: p.clientId,
        redirect_uri: p.redirectUri || redirectUri,
        scope: p.scope || 'openid',
        state,
        nonce,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      });
      if (p.acrValues) params.set('acr_values', p.acrValues);
      if (p.prompt) params.set('prompt', p.prompt);
      if (p.loginHint) params.set('login_hint', p.loginHint);
      if (p.maxAge !== undefined) params.set('max_age', String(p.maxAge));
      for (const [k, v] of Object.entries(p.extra || {})) params.set(k, v);
      return {
        url: `${endpoints.authorization}?${params}`,
        state,
        nonce,
        codeVerifier,
        codeChallenge,
        redirectUri: p.redirectUri || redirectUri,
        clientId: p.clientId,
      };
    },

    /**
     * Resolve with the next callback (or the first one carrying `state`, even if it already arrived).
     * @param {{state?: string, timeoutMs?: number}} [o]
     */
    waitForCallback(o = {}) {
      const { state, timeoutMs = 15_000 } = o;
      if (state !== undefined) {
        const hit = callbacks.find((c) => c.state === state);
        if (hit) return Promise.resolve(hit);
      } else if (callbacks.length > taken) {
        return Promise.resolve(callbacks[taken++]);
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          match: (c) => state === undefined || c.state === state,
          resolve: (c) => {
            clearTimeout(timer);
            if (state === undefined) taken = callbacks.indexOf(c) + 1;
            resolve(c);
          },
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no callback${state ? ` with state ${state}` : ''} at ${redirectUri} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },

    /**
     * POST to /token with client_secret_basic (or no secret for a public client: client_id in the body).
     * Resolves to { status, headers, json, text } whatever the status: for asserting on errors.
     */
    tokenRequest({ clientId, clientSecret, params }) {
      const headers = { accept: 'application/json' };
      const form = { ...params };
      if (clientSecret !== undefined && clientSecret !== null) headers.authorization = basicAuth(clientId, clientSecret);
      else form.client_id = clientId;
      return request(endpoints.token, { method: 'POST', headers, form });
    },

    /**
     * Exchange an authorization code. Resolves to the token response body plus `idTokenClaims` (decoded, not
     * verified); throws with the OAuth error when the status is not 200.
     */
    async exchangeCode({ clientId, clientSecret, code, codeVerifier, redirectUri: ru }) {
      const res = await rp.tokenRequest({
        clientId,
        clientSecret,
        params: { grant_type: 'authorization_code', code, redirect_uri: ru || redirectUri, code_verifier: codeVerifier },
      });
      if (res.status !== 200 || !res.json) {
        const err = new Error(`token request failed: HTTP ${res.status} ${res.text}`);
        err.response = res;
        throw err;
      }
      const body = res.json;
      return { ...body, idTokenClaims: body.id_token ? decodeJwtPayload(body.id_token) : undefined };
    },

    /** GET /userinfo with a bearer token; resolves to { status, json, ... }. */
    userinfo(accessToken) {
      return request(endpoints.userinfo, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
    },

    /** The provider's discovery document (JSON), for tests that want to check it. */
    async discovery() {
      const res = await request(`${issuer}/.well-known/openid-configuration`);
      if (res.status !== 200 || !res.json) throw new Error(`discovery failed: HTTP ${res.status} ${res.text}`);
      return res.json;
    },

    stop() {
      return new Promise((resolve) => {
        srv.closeAllConnections?.();
        srv.close(() => resolve());
      });
    },
  };
  return rp;
}

module.exports = {
  startRelyingParty,
  pkcePair,
  s256,
  randomToken,
  decodeJwtPayload,
  decodeJwtHeader,
  basicAuth,
};
