/**
 * A `ServiceContext` of real parts, for the specs of the service's pieces (`src/service/*`) one by
 * one: a SQLite event store, the directory and routing read models with their runners, a blob
 * store in a folder; no HTTP.
 */
import type { Test } from 'tap';
import { join } from 'node:path';
import { openBlobStore } from '@lienthong/blob-store';
import { createDirectoryService, directoryProjection, directoryView } from '@lienthong/directory';
import { createSqliteEventStore } from '@lienthong/event-store';
import { createProjectionRunner } from '@lienthong/projections';
import { tempDir } from '@lienthong/testing';
import { routingProjection } from '../projections/routing-projection.js';
import { routingView } from '../projections/routing-view.js';
import { serviceContext, type ServiceContext, type SystemPrincipal } from '../service/context.js';

const quiet = { info() {}, warn() {}, error() {} };

export interface ServiceFixture {
  readonly ctx: ServiceContext;
  /** A system principal acting for these organisations (registered agencies). */
  readonly system: (...organIds: string[]) => SystemPrincipal;
  readonly context: { readonly correlationId: string; readonly actor: string };
}

/** Registers the agencies `organIds` and returns the context the pieces take. */
export async function serviceFixture(t: Test, organIds: readonly string[]): Promise<ServiceFixture> {
  const dir = tempDir(t, 'lt-routing-service-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite'), pollMs: 50 });
  const directoryRunner = createProjectionRunner({ projection: directoryProjection, store, dir: join(dir, 'p'), logger: quiet });
  const routingRunner = createProjectionRunner({
    projection: routingProjection({ onDelivery() {} }),
    store,
    dir: join(dir, 'p'),
    logger: quiet,
  });
  const blobs = await openBlobStore({ dataDir: dir });
  t.teardown(async () => {
    await routingRunner.stop();
    await directoryRunner.stop();
    await blobs.close();
    await store.close();
  });
  await directoryRunner.start();
  await routingRunner.start();
  const directory = directoryView(() => directoryRunner.db());
  const admin = createDirectoryService({ store, view: directory, waitFor: (position) => directoryRunner.waitFor(position) });
  const context = { correlationId: 'c-1', actor: 'test' };
  for (const organId of organIds) await admin.registerAgency({ organId, name: `Cơ quan ${organId}` }, context);
  const ctx = serviceContext({
    store,
    view: routingView(() => routingRunner.db()),
    directory,
    blobs,
    waitFor: (event) => routingRunner.waitForEvent(event),
    hubOrganId: 'lienthong',
    maxBodyBytes: 16 * 1024 * 1024,
    verifyMaxBytes: 16 * 1024 * 1024,
  });
  return {
    ctx,
    context,
    system: (...organs) => ({ kind: 'system', id: `sys-${organs.join('-')}`, organIds: organs, requireValidSignature: false }),
  };
}
