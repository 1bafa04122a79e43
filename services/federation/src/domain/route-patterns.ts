/**
 * Route patterns of a peer (SPEC §6): which organisation ids it serves. Organ ids come in two
 * forms: QCVN 102 (`000.00.12.H41`, level 1 right-most) and QĐ 20 (`H41.12.00.000`, level 1
 * left-most). A pattern is exact, a suffix `*.H41` (the QCVN 102 form), a prefix `H41.*`
 * (the QĐ 20 form) or `*` (the default route, usually the national axis). Most specific wins:
 * exact, then the longest suffix or prefix (in labels), then `*`.
 */
export type RoutePattern =
  | { readonly kind: 'exact'; readonly id: string }
  | { readonly kind: 'suffix'; readonly labels: readonly string[] }
  | { readonly kind: 'prefix'; readonly labels: readonly string[] }
  | { readonly kind: 'default' };

const LABEL = /^[A-Za-z0-9_-]+$/;

/** The pattern a string stands for, or a message saying why it is none. */
export function parseRoutePattern(text: string): RoutePattern | string {
  const p = text.trim();
  if (p === '*') return { kind: 'default' };
  const labels = p.split('.');
  if (labels[0] === '*' && labels.length > 1) {
    const rest = labels.slice(1);
    return rest.every((l) => LABEL.test(l)) ? { kind: 'suffix', labels: rest } : `${text}: a suffix pattern is *.<label>[.<label>…]`;
  }
  if (labels[labels.length - 1] === '*' && labels.length > 1) {
    const rest = labels.slice(0, -1);
    return rest.every((l) => LABEL.test(l)) ? { kind: 'prefix', labels: rest } : `${text}: a prefix pattern is <label>[.<label>…].*`;
  }
  return labels.every((l) => LABEL.test(l)) ? { kind: 'exact', id: p } : `${text}: not an organ id, *.<suffix>, <prefix>.* or *`;
}

/** How specific a pattern's match of an organ id is (higher wins), or -1 when it does not match. */
export function matchScore(pattern: RoutePattern, organId: string): number {
  const labels = organId.split('.');
  switch (pattern.kind) {
    case 'exact':
      return pattern.id.toLowerCase() === organId.toLowerCase() ? 1000 : -1;
    case 'suffix': {
      const n = pattern.labels.length;
      if (labels.length <= n) return -1;
      return sameLabels(labels.slice(-n), pattern.labels) ? n : -1;
    }
    case 'prefix': {
      const n = pattern.labels.length;
      if (labels.length <= n) return -1;
      return sameLabels(labels.slice(0, n), pattern.labels) ? n : -1;
    }
    case 'default':
      return 0;
  }
}

const sameLabels = (a: readonly string[], b: readonly string[]) => a.every((l, i) => l.toLowerCase() === b[i]?.toLowerCase());

export interface RoutedPeer {
  readonly peerId: string;
  readonly routes: readonly string[];
}

/**
 * The peer serving an organ id: the best match over every peer's patterns; a tie between peers
 * goes to the smaller peerId (stable, whatever order peers were registered in).
 */
export function selectPeer<P extends RoutedPeer>(peers: readonly P[], organId: string): P | undefined {
  let best: { peer: P; score: number } | undefined;
  for (const peer of peers) {
    for (const text of peer.routes) {
      const pattern = parseRoutePattern(text);
      if (typeof pattern === 'string') continue;
      const score = matchScore(pattern, organId);
      if (score < 0) continue;
      if (!best || score > best.score || (score === best.score && peer.peerId < best.peer.peerId)) best = { peer, score };
    }
  }
  return best?.peer;
}

/** Whether a peer's routes cover an organ id at all (for `From` checks). */
export function routesCover(routes: readonly string[], organId: string): boolean {
  return routes.some((text) => {
    const pattern = parseRoutePattern(text);
    return typeof pattern !== 'string' && matchScore(pattern, organId) >= 0;
  });
}
