'use strict';
// Start and stop the tapid release binary for one journey, and run its admin CLI against the same database.
//
//   const { startServer } = require('./lib/server');
//   const server = await startServer();            // fresh temp dir, fresh SQLite database, free port
//   server.url                                     // http://localhost:PORT  (the issuer; use it in the browser)
//   const alice = await server.cli(['user', 'add', 'alice']);   // parsed JSON stdout (--json is appended)
//   await server.stop();
//
// Environment:
//   TAPID_BIN               the binary (default $CARGO_TARGET_DIR/release/tapid, CARGO_TARGET_DIR default /work/target)
//   TAPID_E2E_POSTGRES_URL  if set (e.g. postgres://postgres@127.0.0.1:5432/postgres), each server gets a fresh
//                           PostgreSQL database created through it with psql, dropped again by stop()
//   TAPID_E2E_KEEP=1        keep the temp dir (database, server.log) after stop() and print where it is
//   TAPID_E2E_SERVER_LOG=1  echo the server's output to stderr as it runs

const { spawn, execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, request, sleep } = require('./net');

function tapidBin() {
  if (process.env.TAPID_BIN) return path.resolve(process.env.TAPID_BIN);
  const target = process.env.CARGO_TARGET_DIR || '/work/target';
  return path.join(target, 'release', 'tapid');
}

// Children still running, killed if this process dies without calling stop(); temp dirs still to remove then.
const live = new Set();
const liveDirs = new Set();
let hooksInstalled = false;
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (!process.env.TAPID_E2E_KEEP) {
      for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));
  }
}

/** The environment for the server and the CLI: ours minus any stray TAPID_* settings, plus `extra`. */
function childEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('TAPID_')) env[k] = v;
  }
  return { ...env, ...extra };
}

function psql(adminUrl, sql) {
  return new Promise((resolve, reject) => {
    execFile('psql', [adminUrl, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], (err, stdout, stderr) => {
      if (err) reject(new Error(`psql failed (${sql}): ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

async function createPostgresDatabase(adminUrl) {
  const name = `tapid_e2e_${crypto.randomBytes(6).toString('hex')}`;
  await psql(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: () => psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * Start tapid on a free port in a fresh temp dir and wait until GET /healthz answers 200.
 * @param {{databaseUrl?: string, env?: Record<string,string>, args?: string[], startTimeoutMs?: number}} [opts]
 *   databaseUrl: use this database instead of a fresh one (it is not dropped by stop());
 *   env: extra TAPID_* (or other) variables for the server and the CLI, e.g. { TAPID_LOG_FORMAT: 'text' };
 *   args: arguments for the server (default: none, which means `serve`).
 */
async function startServer(opts = {}) {
  installExitHooks();
  const bin = tapidBin();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `tapid binary not found at ${bin}: run \`cargo build --release\` (CARGO_TARGET_DIR=${
        process.env.CARGO_TARGET_DIR || '/work/target'
      }) or set TAPID_BIN`,
    );
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tapid-e2e-'));
  liveDirs.add(dir);
  let pg = null;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl && process.env.TAPID_E2E_POSTGRES_URL) {
    pg = await createPostgresDatabase(process.env.TAPID_E2E_POSTGRES_URL);
    databaseUrl = pg.url;
  }
  if (!databaseUrl) databaseUrl = `sqlite://${path.join(dir, 'tapid.db')}`;

  // The port is free when we ask; another process could take it before tapid binds. Retry that case, and
  // tapid giving up on its first database connection (a 5 s pool timeout that a loaded CI machine can hit
  // while SQLite creates the file): said on stderr, so it stays visible.
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch({ bin, dir, port, databaseUrl, pg, opts });
    } catch (err) {
      lastError = err;
      if (/cannot reach the database: pool timed out/i.test(err.message)) {
        process.stderr.write(`tapid e2e: tapid could not open its database in time; starting it again\n${err.message}\n`);
        continue;
      }
      if (!/address (already )?in use|AddrInUse/i.test(err.message)) break;
    }
  }
  if (pg) await pg.drop().catch(() => {});
  if (!process.env.TAPID_E2E_KEEP) await fs.promises.rm(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
  throw lastError;
}

async function launch({ bin, dir, port, databaseUrl, pg, opts }) {
  const url = `http://localhost:${port}`;
  const env = childEnv({
    TAPID_LISTEN: `127.0.0.1:${port}`,
    TAPID_ISSUER: url,
    TAPID_DATABASE_URL: databaseUrl,
    TAPID_LOG_FORMAT: 'json',
    ...(opts.env || {}),
  });
  const logPath = path.join(dir, 'server.log');
  const logFile = fs.createWriteStream(logPath, { flags: 'a' });
  const child = spawn(bin, opts.args || [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);

  let output = '';
  const outputWaiters = new Set();
  const onData = (chunk) => {
    const s = chunk.toString('utf8');
    output += s;
    logFile.write(s);
    if (process.env.TAPID_E2E_SERVER_LOG) process.stderr.write(s);
    for (const w of outputWaiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let exited = null; // { code, signal } once the process is gone
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      for (const w of outputWaiters) w();
      resolve(exited);
    });
  });
  const spawnError = new Promise((_, reject) => child.on('error', reject));
  spawnError.catch(() => {});

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      logFile.end();
      throw new Error(
        `tapid exited before it was healthy (code ${exited.code}, signal ${exited.signal}); output:\n${output}`,
      );
    }
    try {
      const res = await Promise.race([request(`${url}/healthz`, { timeoutMs: 2_000 }), spawnError]);
      if (res.status === 200) break;
    } catch (err) {
      if (err && err.code === 'ENOENT') throw new Error(`cannot run ${bin}: ${err.message}`);
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exitPromise;
      logFile.end();
      throw new Error(`tapid did not answer GET /healthz with 200 within the timeout; output:\n${output}`);
    }
    await sleep(100);
  }

  let stopped = false;
  const server = {
    url,
    issuer: url,
    port,
    dir,
    databaseUrl,
    logPath,
    process: child,
    env,

    /** Everything the server printed so far (stdout and stderr interleaved). */
    output: () => output,

    /** The output parsed as JSON log lines (lines that are not JSON are skipped). */
    logLines() {
      const lines = [];
      for (const line of output.split('\n')) {
        if (!line.trim()) continue;
        try {
          lines.push(JSON.parse(line));
        } catch {
          /* not a JSON line, e.g. the bootstrap banner */
        }
      }
      return lines;
    },

    /** Wait until the output matches `re`; resolves to the match. */
    waitForOutput(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = output.match(re);
          if (m) {
            done();
            resolve(m);
          } else if (exited) {
            done();
            reject(new Error(`tapid exited while waiting for ${re}; output:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re} in tapid's output:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          outputWaiters.delete(check);
        };
        outputWaiters.add(check);
        check();
      });
    },

    /**
     * Run an admin command against this server's database, e.g. cli(['tap', 'issue', 'alice']).
     * Appends --json unless present; resolves to the parsed JSON stdout (null if stdout is empty);
     * throws with stderr on a non-zero exit.
     */
    async cli(args, cliOpts = {}) {
      const full = args.includes('--json') ? [...args] : [...args, '--json'];
      const res = await runCli(bin, full, { cwd: dir, env, ...cliOpts });
      if (res.code !== 0) {
        const err = new Error(
          `tapid ${full.join(' ')} exited with ${res.code ?? res.signal}: ${res.stderr.trim() || res.stdout.trim()}`,
        );
        Object.assign(err, res);
        throw err;
      }
      if (!res.stdout.trim()) return null;
      try {
        return JSON.parse(res.stdout);
      } catch {
        throw new Error(`tapid ${full.join(' ')} printed something that is not JSON:\n${res.stdout}`);
      }
    },

    /** Run the binary with exactly these args; never throws on exit status. Resolves to {code, signal, stdout, stderr}. */
    cliRaw(args, cliOpts = {}) {
      return runCli(bin, args, { cwd: dir, env, ...cliOpts });
    },

    /** Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its temp dir (unless TAPID_E2E_KEEP). */
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exitPromise;
        clearTimeout(timer);
      }
      await new Promise((r) => logFile.end(r));
      if (pg) await pg.drop().catch(() => {});
      if (process.env.TAPID_E2E_KEEP) {
        process.stderr.write(`tapid e2e: kept ${dir} (server.log, database)\n`);
      } else {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
      liveDirs.delete(dir);
    },

    /** Whether the process is still running. */
    running: () => !exited,
  };
  return server;
}

function runCli(bin, args, { cwd, env, input, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    // stdin is a pipe only when there is input; a command that exits at once must not make the write fail (EPIPE).
    const child = spawn(bin, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

module.exports = { startServer, tapidBin };
