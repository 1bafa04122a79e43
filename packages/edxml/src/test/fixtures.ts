import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realEdxmlDir } from '@lienthong/testing';
import type { DocumentHeader } from '../model.js';

/** The real vendor samples (read-only, shared by the whole team). */
export const FIXTURE_DIR = realEdxmlDir();

export interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
}

export function realFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.edxml'))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(FIXTURE_DIR, name)) }));
}

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURE_DIR, name));
}

/** Hand-made samples of vendor variants no real sample shows (see README.md beside this file). */
export const HANDMADE_DIR = fileURLToPath(new URL('.', import.meta.url));

export function handmade(name: string): Buffer {
  return readFileSync(join(HANDMADE_DIR, name));
}

/** `edoc.edxml`'s attachment content: an unfilled JMeter placeholder, not base64 (stored as its text). */
export const EDOC_PLACEHOLDER = '${__StringFromFile(test.txt,,,)}';

/** A minimal valid document header for hand-built packages, `from` and `to` as given. */
export function minimalHeader(from: string, to: string, codeNumber = '1'): DocumentHeader {
  return {
    from: { organId: from },
    to: [{ organId: to }],
    code: { codeNumber, codeNotation: 'UBND-VP' },
    promulgationInfo: { place: 'Hà Nội', promulgationDate: '2026-01-15' },
    documentType: { type: 1 },
    subject: 'Thử',
    signerInfo: {},
    toPlaces: [],
    otherInfo: { priority: 0, appendixes: [] },
    responseFor: [],
  };
}

/** `bytes` cut in chunks of `sizes` (cycled), as a socket might deliver them. */
export function chunked(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}
