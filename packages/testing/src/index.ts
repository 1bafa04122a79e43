export type { StartedServer } from './compiled-hub.js';
export type { NatsClusterHandle, NatsClusterNode } from './nats-cluster.js';

export { eventually } from './eventually.js';
export { launchChromium, requireChromium } from './chromium.js';
export { freePort, tempDir } from './temp.js';
export { requireNatsServer, startNatsServer } from './nats-server.js';
export { requirePostgres, startPostgres } from './postgres-server.js';
export { startNatsCluster } from './nats-cluster.js';
export { realEdxmlDir } from './fixtures.js';
export { hostileFrames } from './websocket-frames.js';
export { metricValue } from './prometheus.js';
export { startVnpaySimulator } from './vnpay-simulator.js';
export {
  COMPILED_NODE_ARGS,
  HUB_CLI,
  HUB_V8_FLAGS,
  HUB_MAIN,
  REPO_ROOT,
  buildHub,
  childEnv,
  startCompiledHub,
  startServer,
} from './compiled-hub.js';
