/**
 * The secrets every process of one deployment shares (SPEC §10): the files of `LT_SECRETS_DIR`
 * (default `<dataDir>/secrets`), the same on every machine. On a server store (PostgreSQL,
 * EventStoreDB), where processes on other machines check each other's PIN hashes and open each
 * other's sealed data, a process refuses to start when a file is missing (unless
 * `LT_INIT_SECRETS=1`, the first start of a deployment) and when its files are not the ones the
 * deployment recorded: the first process appends a fingerprint of the set to the store, every
 * later one compares its own with it.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExpectedRevision, isWrongExpectedRevision, type EventStore } from '@lienthong/event-store';
import { readOrCreateFile, type Config, type Logger } from '@lienthong/service-kit';
import { HUB_KEY_FILE } from './hub-key.js';

/** The stream holding the deployment's secrets fingerprint (owned by the platform, relayed by no service). */
export const SECRETS_STREAM = 'deployment-secrets';

const symmetricKey = (): string => randomBytes(32).toString('base64');
const ed25519Key = (): string => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

/**
 * Every secret file of a deployment and how a new one is made. Their loaders stay with their
 * owners (`loadSecret` of dossier-contract, `loadConnectorKey` of connectors, `loadHubKey`), in
 * the same formats.
 */
const SECRET_FILES: ReadonlyArray<{ readonly file: string; readonly create: () => string }> = [
  { file: 'pin-hmac.key', create: symmetricKey },
  { file: 'applicant.key', create: symmetricKey },
  { file: 'connectors.key', create: symmetricKey },
  { file: HUB_KEY_FILE, create: ed25519Key },
];

export class SecretsError extends Error {
  override name = 'SecretsError';
}

/** A server store: shared by processes on other machines. */
export function isServerStore(config: Config): boolean {
  return /^(postgres|postgresql|esdb|esdb\+discover):\/\//.test(config.eventStoreUrl?.trim() ?? '');
}

/**
 * On a server store: every secret file present (created with `LT_INIT_SECRETS=1`, refused
 * otherwise), and the fingerprint of the set returned. On SQLite (one machine), nothing: each
 * loader creates its file on first use, as before; returns null.
 */
export function prepareSecrets(config: Config): string | null {
  if (!isServerStore(config)) return null;
  const dir = config.secretsDir;
  const missing = SECRET_FILES.filter((s) => !existsSync(join(dir, s.file))).map((s) => s.file);
  if (missing.length > 0 && !config.initSecrets)
    throw new SecretsError(
      `${dir} lacks ${missing.join(', ')}: every process on a shared store needs the deployment's secrets. Copy the secrets ` +
        'directory of a running process into LT_SECRETS_DIR, or, for the first process of a new deployment, start it once with LT_INIT_SECRETS=1',
    );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hash = createHash('sha256').update('lienthong deployment secrets v1\u0000');
  for (const { file, create } of SECRET_FILES) {
    const path = join(dir, file);
    const { content } = readOrCreateFile(path, create);
    chmodSync(path, 0o600);
    // each file's own digest first: the fingerprint never hashes two secrets' bytes side by side
    hash.update(`${file}\u0000${createHash('sha256').update(content.trim(), 'utf8').digest('hex')}\u0000`);
  }
  return hash.digest('hex');
}

/**
 * Records the fingerprint in the store if none is there yet (the first process of the
 * deployment), else compares: another fingerprint stops this process at start.
 */
export async function checkSecretsFingerprint(store: EventStore, fingerprint: string, config: Config, logger: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const [recorded] = await store.readStream(SECRETS_STREAM, { direction: 'backward', maxCount: 1 });
    if (recorded) {
      const theirs = (recorded.data as { fingerprint?: unknown }).fingerprint;
      if (theirs === fingerprint) return;
      throw new SecretsError(
        `the secrets in ${config.secretsDir} are not this deployment's (fingerprint ${fingerprint.slice(0, 16)}…, the store's ` +
          `${String(theirs).slice(0, 16)}…, recorded ${recorded.metadata.at}): this process would issue PINs and seal data no other ` +
          'process can read. Copy the secrets directory of a running process into LT_SECRETS_DIR',
      );
    }
    try {
      await store.append(
        SECRETS_STREAM,
        [
          {
            type: 'DeploymentSecretsRecorded',
            data: { fingerprint, files: SECRET_FILES.map((s) => s.file) },
            metadata: { correlationId: randomUUID(), causationId: null, actor: 'platform', at: new Date().toISOString() },
          },
        ],
        { expectedRevision: ExpectedRevision.noStream },
      );
      logger.info(
        { fingerprint: fingerprint.slice(0, 16) },
        'deployment secrets recorded in the store: every other process must hold the same files',
      );
      return;
    } catch (error) {
      // another process recorded first: compare with its fingerprint
      if (attempt < 3 && isWrongExpectedRevision(error)) continue;
      throw error;
    }
  }
}
