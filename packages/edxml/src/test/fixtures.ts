import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { realEdxmlDir } from '@lienthong/testing';

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
