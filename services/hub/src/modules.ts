import { directoryModule, type ServiceModuleFactory } from '@lienthong/platform';
import { catalogModule } from '@lienthong/catalog';
import { dossiersModule } from '@lienthong/dossiers';
import { createDocumentRoutingModule } from '@lienthong/document-routing';
import { statusTrackerModule } from '@lienthong/status-tracker';
import { reportingModule } from '@lienthong/reporting';
import { connectorsModule } from '@lienthong/connectors';
import { createFederationModule, type FederationHandle } from '@lienthong/federation';

/**
 * Document routing and federation meet through the ports of @lienthong/federation-contract (SPEC
 * §6): federation hands its link over when built, document routing connects at start. Kept per
 * running hub (the platform object): tests run several hubs in one process.
 */
const links = new WeakMap<object, FederationHandle>();
const documentRouting: ServiceModuleFactory = (platform) =>
  createDocumentRoutingModule({ federation: () => links.get(platform) })(platform);
const federation: ServiceModuleFactory = (platform) => createFederationModule({ onReady: (link) => links.set(platform, link) })(platform);

/** Everything the all-in-one hub mounts, directory first (every service authenticates through it). */
export const allModules: readonly ServiceModuleFactory[] = [
  directoryModule,
  catalogModule,
  dossiersModule,
  documentRouting,
  statusTrackerModule,
  reportingModule,
  connectorsModule,
  federation,
];
