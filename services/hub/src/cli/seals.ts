/**
 * `lienthong seal --adopt`: the first seal of a store that holds events and none (older than
 * seals), which the hub never makes on its own.
 * `lienthong export --seals` and `lienthong verify --seals <copy>`: the store's seals as JSON Lines
 * (a header with the hub's public key, then one seal a line), to keep elsewhere (a peer, a
 * write-once disk; the latest seal's short form on paper), and a check of the store against such
 * a copy: someone who rewrote the file and its seals consistently, or removed the last seals with
 * the events they covered, cannot also rewrite the copy.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { adoptSqliteStore, parseSeal, sealDifferences, sealSignatureHolds, shortSeal, type Seal } from '@lienthong/event-store';
import { audit, loadHubKey, readHubPublicKey, type HubPublicKey } from '@lienthong/platform';
import { ReadModelsInUseError, lockReadModels } from '@lienthong/projections';
import { CliError, cliConfig, type GlobalOptions } from './context.js';

export const SEALS_FORMAT = 'lienthong-seals/1';

export interface SealsHeader {
  readonly format: typeof SEALS_FORMAT;
  readonly createdAt: string;
  readonly keyId: string;
  /** Raw Ed25519 public key, base64url: enough to check the signatures anywhere. */
  readonly publicKey: string;
}

export interface SealsExport {
  readonly file: string;
  readonly seals: number;
  readonly keyId: string;
  /** The latest seal, short enough to write down: `#seq @position <16 hex digits of its running hash>`. */
  readonly latest: string | null;
}

/** The SQLite file and the hub key of the data directory; seals exist only there. */
export function sealedStore(options: GlobalOptions): { file: string; key: HubPublicKey } {
  const config = cliConfig(options);
  const file = audit.sqliteFileOf(config);
  if (!file) throw new CliError('seals are kept by the SQLite event store only; EventStoreDB does not support them');
  if (!existsSync(file)) throw new CliError(`no event store at ${file}`);
  try {
    return { file, key: readHubPublicKey(config.secretsDir) };
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

const PAGE = 5000;

export interface Adoption {
  readonly file: string;
  readonly keyId: string;
  /** The adoption seal (`kind: 'adopt'`), with its short form to write down. */
  readonly seal: Seal & { readonly short: string };
}

/**
 * Seals a store that holds events and no seal, vouching for every event up to its head (the
 * operator's decision: after `verify`, and against a seals copy when there is one). The hub must be
 * stopped (its read models' lock is taken, as `replay` does), and restarted after: it seals from
 * there on. A sealed store or an empty one is refused: nothing is written.
 */
export async function adoptStore(options: GlobalOptions): Promise<Adoption> {
  const config = cliConfig(options);
  const file = audit.sqliteFileOf(config);
  if (!file) throw new CliError('seals are kept by the SQLite event store only; EventStoreDB does not support them');
  if (!existsSync(file)) throw new CliError(`no event store at ${file}`);
  const readModels = join(config.dataDir, 'projections', 'hub');
  mkdirSync(readModels, { recursive: true });
  let lock: { release(): void };
  try {
    lock = lockReadModels(readModels);
  } catch (error) {
    if (error instanceof ReadModelsInUseError) throw new CliError(`the hub is running on ${config.dataDir}: stop it first`);
    throw error;
  }
  try {
    // Created when missing, as the hub's first start would: it signs from now on.
    const key = loadHubKey(config.secretsDir);
    const outcome = adoptSqliteStore(file, { privateKey: key.privateKey, every: config.sealEvery });
    if (outcome.kind === 'already-sealed')
      throw new CliError(
        `the store is sealed already (latest seal ${shortSeal(outcome.last)}): only a store that was never sealed is adopted; run lienthong verify`,
      );
    if (outcome.kind === 'empty')
      throw new CliError('the store holds no event: the hub seals it at position 0 when it starts, nothing to adopt');
    return { file, keyId: key.keyId, seal: { ...outcome.seal, short: shortSeal(outcome.seal) } };
  } finally {
    lock.release();
  }
}

export async function exportSeals(options: GlobalOptions & { readonly out?: string }): Promise<SealsExport> {
  const { file, key } = sealedStore(options);
  const source = audit.sqliteChainSource(file);
  const toStdout = options.out === undefined || options.out === '-';
  const out: NodeJS.WritableStream = toStdout ? process.stdout : createWriteStream(options.out);
  const write = (text: string): Promise<void> =>
    out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
  let count = 0;
  let last: Seal | null = null;
  try {
    const header: SealsHeader = {
      format: SEALS_FORMAT,
      createdAt: new Date().toISOString(),
      keyId: key.keyId,
      publicKey: key.publicKeyRaw,
    };
    await write(`${JSON.stringify(header)}\n`);
    for (let after = 0; ;) {
      const rows = await source.seals(after, PAGE);
      if (rows.length === 0) break;
      let chunk = '';
      for (const row of rows) {
        const seal = parseSeal(row);
        if (typeof seal === 'string') throw new CliError(`seal row after #${after} is unreadable (${seal}): run lienthong verify`);
        chunk += `${JSON.stringify(seal)}\n`;
        last = seal;
        after = seal.seq;
        count++;
      }
      await write(chunk);
    }
    if (!toStdout)
      await new Promise<void>((resolve, reject) => (out as WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
  } finally {
    await source.close();
  }
  return { file: toStdout ? '-' : options.out, seals: count, keyId: key.keyId, latest: last ? shortSeal(last) : null };
}

export interface SealsCopyReport {
  readonly file: string;
  readonly ok: boolean;
  /** Seals of the copy found in the store as they are in the copy. */
  readonly matched: number;
  readonly brokenAt?: audit.BrokenLink & { readonly line: number };
}

/** Every seal of the copy must be in the store exactly as in the copy (and signed by this hub's key). */
export async function compareSealsCopy(copy: string, source: audit.ChainSource, key: HubPublicKey): Promise<SealsCopyReport> {
  if (!existsSync(copy)) throw new CliError(`no seals file ${copy}`);
  const lines = createInterface({ input: createReadStream(copy), crlfDelay: Infinity });
  let line = 0;
  let matched = 0;
  /** Up to here the copy and the store agree. */
  let agreed = 0;
  let broken: SealsCopyReport['brokenAt'];
  const fail = (reason: string, seal?: number, position = agreed + 1) => {
    broken = { stream: '', revision: -1, position, eventId: null, reason, line, ...(seal !== undefined ? { seal } : {}) };
  };
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`${copy} line ${line} is not JSON: not a seals file`);
    }
    if (line === 1) {
      const header = value as Partial<SealsHeader>;
      if (header.format !== SEALS_FORMAT)
        throw new CliError(`${copy} is not a seals file (its first line is not a ${SEALS_FORMAT} header)`);
      if (header.keyId !== key.keyId) {
        fail(`the copy was sealed with key ${String(header.keyId)}, this hub's key is ${key.keyId}`);
        break;
      }
      continue;
    }
    const seal = parseSeal(value);
    if (typeof seal === 'string') throw new CliError(`${copy} line ${line} is not a seal: ${seal}`);
    if (!sealSignatureHolds(seal, key.publicKey))
      throw new CliError(`${copy} line ${line}: the signature of seal #${seal.seq} does not hold; the copy itself was altered`);
    const [row] = await source.seals(seal.seq - 1, 1);
    const stored = row === undefined ? undefined : parseSeal(row);
    if (stored === undefined || typeof stored === 'string' || stored.seq !== seal.seq) {
      fail(
        `seal #${seal.seq} of the copy (${shortSeal(seal)}) is not in the store: seals removed (and the events they covered?)`,
        seal.seq,
      );
      break;
    }
    const differences = sealDifferences(stored, seal);
    if (differences.length > 0) {
      fail(
        `seal #${seal.seq} differs from the copy in ${differences.join(', ')}: the store was re-sealed (copy ${shortSeal(seal)}, store ${shortSeal(stored)})`,
        seal.seq,
      );
      break;
    }
    matched++;
    agreed = seal.position;
  }
  lines.close();
  return { file: copy, ok: broken === undefined, matched, ...(broken ? { brokenAt: broken } : {}) };
}
