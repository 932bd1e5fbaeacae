'use strict';
// TOTP codes computed by the test, as a person's authenticator app would: RFC 6238 over RFC 4226 HOTP, with
// the secret read from the setup page as base32 text (RFC 4648; spaces, dashes, padding and case ignored).
//
//   const { totpCode } = require('./lib/totp');
//   totpCode('JBSW Y3DP EHPK 3PXP')                 // the code for now: SHA-1, 6 digits, 30-second steps
//   totpCode(secret, { time: Date.now() + 30_000 }) // the next step's code

const crypto = require('node:crypto');

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Bytes of a base32 text; spaces, dashes and `=` padding are ignored, letters in any case. */
function base32Decode(text) {
  const clean = String(text).replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP of `counter` (a non-negative integer) with key bytes `key`. */
function hotp(key, counter, { digits = 6, algorithm = 'sha1' } = {}) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step of `time` (milliseconds since the epoch). */
function timeStep(time = Date.now(), step = 30) {
  return Math.floor(time / 1000 / step);
}

/**
 * The TOTP code for `secret` (base32 text, or the key bytes as a Buffer) at `time` (ms, default now).
 * @param {string|Buffer} secret
 * @param {{time?: number, step?: number, digits?: number, algorithm?: string}} [opts]
 */
function totpCode(secret, opts = {}) {
  const { time = Date.now(), step = 30, digits = 6, algorithm = 'sha1' } = opts;
  const key = Buffer.isBuffer(secret) ? secret : base32Decode(secret);
  return hotp(key, timeStep(time, step), { digits, algorithm });
}

/** Milliseconds until the next time step begins. */
function msUntilNextStep(time = Date.now(), step = 30) {
  return (timeStep(time, step) + 1) * step * 1000 - time;
}

module.exports = { base32Decode, hotp, timeStep, totpCode, msUntilNextStep };
