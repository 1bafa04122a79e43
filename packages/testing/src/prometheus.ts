/** The value of one sample in a Prometheus text exposition (`GET /metrics`), 0 when absent. */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of exposition.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Set((match[2] ?? '').split(',').filter(Boolean));
    if (wanted.length === present.size && wanted.every((l) => present.has(l))) return Number(match[3]);
  }
  return 0;
}
