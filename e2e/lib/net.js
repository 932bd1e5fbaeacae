'use strict';
// Small network helpers shared by the harness: a free loopback port and an HTTP client.
//
// Node-side requests use node:http with `family: 4`, so `http://localhost:PORT/...` reaches a server that
// listens on 127.0.0.1 even where `localhost` resolves to ::1 first, and the Host header stays
// `localhost:PORT` (the issuer's host), exactly as a browser would send it.

const http = require('node:http');
const net = require('node:net');

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One HTTP request. Resolves to { status, headers, text, json } (json is undefined when the body is not JSON).
 * Never follows redirects: tests look at Location themselves.
 * @param {string} url
 * @param {{method?: string, headers?: Record<string,string>, body?: string|Buffer, form?: Record<string,string>, timeoutMs?: number}} [opts]
 */
function request(url, opts = {}) {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`request(): only http URLs are supported here, got ${url}`);
  const headers = { ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.form) {
    body = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      u,
      { method: opts.method || (body !== undefined ? 'POST' : 'GET'), headers, family: 4, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`request timed out: ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { freePort, request, sleep };
