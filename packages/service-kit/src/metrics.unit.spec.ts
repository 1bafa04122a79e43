import t from 'tap';
import { createMetrics } from './metrics.js';

const appendedLines = async (metrics: ReturnType<typeof createMetrics>) =>
  (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('lt_events_appended_total{'));

t.test('events counted with countAppended show at the next scrape, once, per service and type', async (t) => {
  const metrics = createMetrics();
  t.same(await appendedLines(metrics), [], 'nothing before any append');
  metrics.countAppended('dossiers', 'DossierSubmitted');
  metrics.countAppended('dossiers', 'DossierSubmitted');
  metrics.countAppended('document-routing', 'DocumentSubmitted');
  t.same((await appendedLines(metrics)).sort(), [
    'lt_events_appended_total{service="document-routing",type="DocumentSubmitted"} 1',
    'lt_events_appended_total{service="dossiers",type="DossierSubmitted"} 2',
  ]);
  t.same(
    (await appendedLines(metrics)).sort(),
    [
      'lt_events_appended_total{service="document-routing",type="DocumentSubmitted"} 1',
      'lt_events_appended_total{service="dossiers",type="DossierSubmitted"} 2',
    ],
    'a second scrape adds nothing',
  );
  metrics.countAppended('dossiers', 'DossierSubmitted');
  t.ok((await appendedLines(metrics)).includes('lt_events_appended_total{service="dossiers",type="DossierSubmitted"} 3'));
});
