import crypto from 'node:crypto';

// scrypt with N=2^15, r=8, p=1 (~100 ms, 32 MiB): the parameters travel in the hash string so they
// can be raised later without invalidating existing accounts.
const DEFAULT = { N: 1 << 15, r: 8, p: 1, keyLen: 64 };
const MAX_N = 1 << 20;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFC'), salt, keyLen, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** "scrypt$N$r$p$salt$hash" (salt and hash in base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const { N, r, p, keyLen } = DEFAULT;
  const key = await scrypt(password, salt, N, r, p, keyLen);
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check; false for any malformed or disabled hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || expected.length < 16) return false;
  const actual = await scrypt(password, salt, N, r, p, expected.length);
  return crypto.timingSafeEqual(actual, expected);
}

/** Marker stored instead of a hash for a disabled account: no password can ever match it. */
export const DISABLED_HASH = 'disabled';

// A real hash of a random password, checked when the username does not exist, so that a failed
// login takes as long for an unknown user as for a wrong password (no account enumeration by timing).
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword(crypto.randomBytes(16).toString('hex')));
}

/** Compares two secrets in constant time regardless of their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}
