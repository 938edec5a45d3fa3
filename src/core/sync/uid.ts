import { randomBytes } from 'node:crypto';

/** LaminDB's uid alphabet (lamin-utils' base62 charset). */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 uid of `length` characters, as LaminDB generates them. */
export function base62Uid(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      // 248 = 62 * 4: reject the top bytes so every character is equally likely.
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
}
