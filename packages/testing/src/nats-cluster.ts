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
  /**
   * Resolves once the cluster is whole again, so that losing one node next is losing only one: every
   * node is a current, recently seen peer of the meta group, and each of `streams` has a leader and
   * all its replicas current. A node just restarted answers long before it has caught up; killing
   * another one then leaves a group without quorum (elections of tens of seconds, or none).
   */
  waitForHealthy(streams?: readonly string[], timeoutMs?: number): Promise<void>;
  /** Stops every node (SIGTERM). Idempotent. */
  stop(): Promise<void>;
}

interface PeerState {
  readonly name: string;
  readonly current?: boolean;
  readonly offline?: boolean;
  /** Nanoseconds since the peer was last heard from. */
  readonly active?: number;
}

interface Jsz {
  readonly meta_cluster?: { readonly leader?: string; readonly replicas?: readonly PeerState[] };
}

/** A peer heard from within this long counts as alive (raft heartbeats are sent every second). */
const PEER_SEEN_NS = 1_500_000_000;
const peersHealthy = (peers: readonly PeerState[] | undefined, expected: number): boolean =>
  (peers ?? []).length === expected &&
  (peers ?? []).every((p) => p.current === true && p.offline !== true && (p.active ?? Infinity) < PEER_SEEN_NS);

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
    async waitForHealthy(streams = [], timeoutMs = readyTimeoutMs) {
      const nc = await connect({ servers: [...urls], maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      const deadline = Date.now() + timeoutMs;
      let last = '';
      const healthy = async (): Promise<boolean> => {
        const leader = await cluster.metaLeader();
        if (leader === undefined) return ((last = 'no meta leader'), false);
        const res = await fetch(`http://127.0.0.1:${leader.monitorPort}/jsz`, { signal: AbortSignal.timeout(1_000) });
        if (!peersHealthy(((await res.json()) as Jsz).meta_cluster?.replicas, nodes.length - 1))
          return ((last = 'meta group not current'), false);
        for (const stream of streams) {
          const reply = (await nc.request(`$JS.API.STREAM.INFO.${stream}`, '', { timeout: 1_000 })).json<{
            error?: { description: string };
            config?: { num_replicas: number };
            cluster?: { leader?: string; replicas?: readonly PeerState[] };
          }>();
          if (reply.error !== undefined) return ((last = `${stream}: ${reply.error.description}`), false);
          if (!reply.cluster?.leader || !peersHealthy(reply.cluster.replicas, (reply.config?.num_replicas ?? 1) - 1))
            return ((last = `${stream} replicas not current`), false);
        }
        return true;
      };
      try {
        // Twice in a row, a heartbeat apart: one lucky answer is not a settled cluster.
        let streak = 0;
        while (Date.now() < deadline) {
          const ok = await healthy().catch((error: unknown) => ((last = (error as Error).message), false));
          streak = ok ? streak + 1 : 0;
          if (streak >= 2) return;
          await new Promise((resolve) => setTimeout(resolve, ok ? 1_000 : 200));
        }
        throw new Error(`cluster not healthy after ${timeoutMs} ms: ${last}`);
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
