export type { StartedServer } from './compiled-hub.js';
export type { TeardownHost } from './temp.js';
export type { HostileFrame } from './websocket-frames.js';
export type { NatsServerHandle, SkippableTest, StartNatsServerOptions } from './nats-server.js';
export type { NatsClusterHandle, NatsClusterNode, StartNatsClusterOptions } from './nats-cluster.js';

export { freePort, tempDir } from './temp.js';
export { NATS_SERVER_BIN, natsServerAvailable, requireNatsServer, startNatsServer } from './nats-server.js';
export { startNatsCluster } from './nats-cluster.js';
export { realEdxmlDir, sharedDir } from './fixtures.js';
export { hostileFrames } from './websocket-frames.js';
export { metricValue } from './prometheus.js';
export { COMPILED_NODE_ARGS, REPO_ROOT, buildProject, childEnv, startCompiledHub, startServer } from './compiled-hub.js';
