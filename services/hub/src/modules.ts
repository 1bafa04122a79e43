import { directoryModule, type ServiceModuleFactory } from '@lienthong/platform';
import { catalogModule } from '@lienthong/catalog';
import { dossiersModule } from '@lienthong/dossiers';
import { documentRoutingModule } from '@lienthong/document-routing';
import { statusTrackerModule } from '@lienthong/status-tracker';
import { reportingModule } from '@lienthong/reporting';
import { federationModule } from '@lienthong/federation';
import { connectorsModule } from '@lienthong/connectors';

/** Everything the all-in-one hub mounts, directory first (every service authenticates through it). */
export const allModules: readonly ServiceModuleFactory[] = [
  directoryModule,
  catalogModule,
  dossiersModule,
  documentRoutingModule,
  statusTrackerModule,
  reportingModule,
  connectorsModule,
  federationModule,
];
