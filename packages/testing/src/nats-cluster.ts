/**
 * A nats-server cluster with JetStream on loopback ports, for tests of replication and failover:
 * each node has its own client, route and monitoring port and its own store directory, and
 * can be killed and restarted alone (same ports, same store).
 */
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { ownedTempDir, serverHandle, type NatsServerHandle } from './nats-server.js';
import { freePort } from './temp.js';

export interface StartNatsClusterOptions {
  /** Number of nodes; default 3. */
  readonly size?: number;
  /** How long to wait for each node, and then for JetStream to have a meta leader; default 20 s. */
  readonly readyTimeoutMs?: number;
}

export interface NatsClusterNode extends NatsServerHandle {
  /** The node's server name (`n1`, `n2`…), as JetStream reports leaders. */
  readonly name: string;
  /** Its HTTP monitoring port (`/jsz`, `/varz`). */
  readonly monitorPort: number;
}

export interface NatsClusterHandle {
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL: a cluster's seed list. */
  readonly urls: readonly string[];
  /** The JetStream meta leader as the running nodes see it; undefined while there is none. */
  metaLeader(): Promise<NatsClusterNode | undefined>;
  /** Resolves once a JetStream API request answers without error (a meta leader is elected). */
  waitForJetStream(timeoutMs?: number): Promise<void>;
  /** Stops every node (SIGTERM). Idempotent. */
  stop(): Promise<void>;
}

interface Jsz {
  readonly meta_cluster?: { readonly leader?: string };
}

/** Starts `size` nodes routed to each other, waits until JetStream answers. */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const size = options.size ?? 3;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort(), monitor: await freePort() })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const root = ownedTempDir('lt-nats-cluster-');
  const nodes: NatsClusterNode[] = [];
  try {
    // All at once: a JetStream node waits for its peers before it reports ready.
    const started = await Promise.all(
      ports.map(async (p, i) => {
        const name = `n${i + 1}`;
        const storeDir = join(root, name);
        const args = [
          ...['-a', '127.0.0.1', '-p', String(p.client), '-m', String(p.monitor), '-n', name],
          ...['-js', '-sd', storeDir, '--cluster_name', 'lt-test', '--cluster', `nats://127.0.0.1:${p.route}`, '--routes', routes],
        ];
        const handle = await serverHandle(p.client, storeDir, args, readyTimeoutMs);
        return { ...handle, name, monitorPort: p.monitor };
      }),
    );
    nodes.push(...started);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill()));
    throw error;
  }
  const urls = nodes.map((n) => n.url);

  const cluster: NatsClusterHandle = {
    nodes,
    urls,
    async metaLeader() {
      for (const node of nodes) {
        try {
          const res = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, { signal: AbortSignal.timeout(1_000) });
          const leader = ((await res.json()) as Jsz).meta_cluster?.leader;
          if (leader) return nodes.find((n) => n.name === leader);
        } catch {
          // this node is down: ask the next
        }
      }
      return undefined;
    },
    async waitForJetStream(timeoutMs = readyTimeoutMs) {
      const nc = await connect({ servers: [...urls], maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      const deadline = Date.now() + timeoutMs;
      let last = '';
      try {
        while (Date.now() < deadline) {
          try {
            const reply = (await nc.request('$JS.API.INFO', '', { timeout: 1_000 })).json<{ error?: { description: string } }>();
            if (reply.error === undefined) return;
            last = reply.error.description;
          } catch (error) {
            last = (error as Error).message;
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        throw new Error(`JetStream of the cluster not available after ${timeoutMs} ms: ${last}`);
      } finally {
        await nc.close();
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  await cluster.waitForJetStream();
  return cluster;
}
