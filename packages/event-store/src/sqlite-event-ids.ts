/**
 * Time-ordered event ids (UUID version 7, RFC 9562) for the SQLite store, made without a string
 * per hex pair: 48 bits of Unix milliseconds, a 12-bit counter that keeps the ids of one
 * millisecond (or of a clock that stepped back) increasing, then 62 random bits. The 16 bytes are
 * written as hex into one reused buffer and read out as one 36-character string; the random
 * bytes come from a pool refilled every 256 ids. The ids of one process increase strictly, so the
 * store's unique index on ids grows at its end.
 */
import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const POOL_IDS = 256;
const pool = Buffer.alloc(8 * POOL_IDS);
let poolAt = pool.length;
const bytes = new Uint8Array(16);
const text = Buffer.alloc(36, 0x2d); // the dashes stay where no digit is written
/** Where the hex pair of each byte goes in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

let lastMs = -1;
let counter = 0;

/** A new UUID v7 string, greater than every id this process made before. */
export function timeOrderedId(now: number = Date.now()): string {
  let ms = now;
  if (ms > lastMs) counter = 0;
  else {
    ms = lastMs;
    if (++counter > 0xfff) {
      // 4,096 ids in one millisecond: borrow the next one
      ms += 1;
      counter = 0;
    }
  }
  lastMs = ms;
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const high = Math.floor(ms / 0x1000000); // top 24 of the 48 bits
  const low = ms % 0x1000000;
  bytes[0] = high >>> 16;
  bytes[1] = (high >>> 8) & 0xff;
  bytes[2] = high & 0xff;
  bytes[3] = low >>> 16;
  bytes[4] = (low >>> 8) & 0xff;
  bytes[5] = low & 0xff;
  bytes[6] = 0x70 | (counter >>> 8); // version 7, counter (rand_a)
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (pool[poolAt]! & 0x3f); // variant 10
  for (let i = 9; i < 16; i++) bytes[i] = pool[poolAt + i - 8]!;
  poolAt += 8;
  for (let i = 0; i < 16; i++) {
    const b = bytes[i]!;
    text[AT[i]!] = HEX[b >>> 4]!;
    text[AT[i]! + 1] = HEX[b & 15]!;
  }
  return text.toString('latin1', 0, 36);
}
