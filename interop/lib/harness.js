'use strict';
// The interop driver's own plumbing: counting checks, starting relying-party processes, and the browser
// steps of a sign-in through a relying party. The browser steps reuse the journeys' helpers (e2e/lib/).

const { spawn } = require('node:child_process');
const { request, freePort, sleep } = require('../../e2e/lib/net');
const { signInWithPass, expectSetup, registerPasskey, waitForPath } = require('../../e2e/lib/journey');
const { totpCode } = require('../../e2e/lib/totp');

/** Checks counted per relying party; `summary()` prints `N passed, N failed`. */
function checks() {
  const rows = [];
  let current = 'setup';
  const api = {
    section(name) {
      current = name;
      process.stdout.write(`\n--- ${name}\n`);
    },
    ok(name, condition, detail) {
      rows.push({ rp: current, name, passed: Boolean(condition) });
      const mark = condition ? 'ok  ' : 'FAIL';
      process.stdout.write(`${mark} ${name}${condition || detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}\n`);
      return Boolean(condition);
    },
    equal(name, actual, expected) {
      return api.ok(name, actual === expected, `got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    },
    /** Runs `fn`; a throw is one failed check named `name`. */
    async step(name, fn) {
      try {
        return await fn();
      } catch (err) {
        api.ok(name, false, err && err.stack ? err.stack.split('\n').slice(0, 3).join(' | ') : String(err));
        return undefined;
      }
    },
    rows,
    summary() {
      const byRp = new Map();
      for (const r of rows) {
        const s = byRp.get(r.rp) || { passed: 0, failed: 0 };
        s[r.passed ? 'passed' : 'failed']++;
        byRp.set(r.rp, s);
      }
      process.stdout.write('\n');
      for (const [rp, s] of byRp) process.stdout.write(`${rp}: ${s.passed} passed, ${s.failed} failed\n`);
      const failed = rows.filter((r) => !r.passed).length;
      process.stdout.write(`\n${rows.length - failed} passed, ${failed} failed\n`);
      return failed;
    },
  };
  return api;
}

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * Start a relying party process (`cmd args…` with ISSUER, PORT and CLIENTS in its environment) and wait until
 * it answers HTTP on its port.
 */
async function startProcess(label, cmd, args, { env = {}, port, cwd, readyPath = '/' } = {}) {
  port = port || (await freePort());
  const child = spawn(cmd, args, { cwd, env: { ...process.env, PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
    children.delete(child);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) throw new Error(`${label} exited (${exited}):\n${output}`);
    try {
      await request(`http://localhost:${port}${readyPath}`, { timeoutMs: 1000 });
      break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${label} did not listen on ${port}:\n${output}`);
    await sleep(100);
  }
  return {
    port,
    url: `http://localhost:${port}`,
    output: () => output,
    stop: async () => {
      if (exited !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The page's text as JSON (a relying party's answer, shown by Chromium as text). */
async function pageJson(page) {
  const text = await page.locator('body').innerText();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON at ${page.url()}: ${text.slice(0, 300)}`);
  }
}

/**
 * A complete first sign-in through a relying party: `startUrl` (the RP's own login) → tapid → the pass →
 * register a passkey (`method: 'passkey'`, the page needs a virtual authenticator) or an authenticator app
 * (`method: 'totp'`, codes computed as the app would) → Continue → back at the RP, until `arrived(url)`.
 * `before()`, if given, runs on the start page to begin the sign-in (a single-page application's button).
 */
async function signInThrough(page, { server, startUrl, username, method, arrived, before }) {
  const pass = await server.cli(['tap', 'issue', username]);
  await page.goto(startUrl);
  if (before) await before();
  await waitForPath(page, '/login');
  await signInWithPass(page, { username, passcode: pass.passcode });
  await expectSetup(page, { restricted: true });
  if (method === 'passkey') {
    await registerPasskey(page);
  } else {
    await page.getByRole('link', { name: 'Add an authenticator app' }).click();
    await waitForPath(page, '/security-info/totp');
    const secret = (await page.locator('#totp-secret').textContent()).trim();
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Add the app' }).click();
    await waitForPath(page, '/security-info/setup');
    await expectSetup(page, { restricted: false });
  }
  await page.getByRole('link', { name: 'Continue' }).click();
  await page.waitForURL((u) => arrived(u), { waitUntil: 'load' });
}

/** A sign-in the tapid session answers at once (single sign-on): `startUrl` → … → `arrived(url)`. */
async function signInAgain(page, { startUrl, arrived }) {
  await page.goto(startUrl);
  await page.waitForURL((u) => arrived(u), { waitUntil: 'load' });
}

module.exports = { checks, startProcess, pageJson, signInThrough, signInAgain, request, sleep, freePort };
