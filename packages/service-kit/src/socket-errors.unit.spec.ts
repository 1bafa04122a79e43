import t from 'tap';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createSocketErrorReporter, frameRefusalOf } from './socket-errors.js';

const wsError = (code: string, message = code) => Object.assign(new RangeError(message), { code });

t.test('frameRefusalOf: what ws refused, by its code', async (t) => {
  t.equal(frameRefusalOf(wsError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')), 'oversized');
  t.equal(frameRefusalOf(wsError('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH')), 'oversized');
  t.equal(frameRefusalOf(wsError('WS_ERR_TOO_MANY_BUFFERED_PARTS')), 'oversized');
  t.equal(frameRefusalOf(wsError('WS_ERR_INVALID_UTF8')), 'protocol');
  t.equal(frameRefusalOf({ code: 'WS_ERR_INVALID_OPCODE', message: 'as a board process reports it' }), 'protocol');
  t.equal(frameRefusalOf(wsError('ECONNRESET')), undefined);
  t.equal(frameRefusalOf(new TypeError('a bug')), undefined);
  t.equal(frameRefusalOf(null), undefined);
});

t.test('refused frames are counted each, logged at warn at most once per interval; other errors at error', async (t) => {
  const lines: Array<{ level: number; reason?: string; suppressed?: number; endpoint?: string }> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  const metrics = createMetrics();
  let now = 0;
  const report = createSocketErrorReporter({ logger, metrics, intervalMs: 1000, clock: () => now });
  for (let i = 0; i < 5; i++) report('/a', wsError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
  report('/a', wsError('WS_ERR_INVALID_UTF8'));
  report('/b', wsError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
  now = 1000;
  report('/a', wsError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
  report('/a', new TypeError('a bug'));

  const counted = async (endpoint: string, reason: string) =>
    (await metrics.websocketFramesRefused.get()).values.find((v) => v.labels.endpoint === endpoint && v.labels.reason === reason)?.value;
  t.equal(await counted('/a', 'oversized'), 6);
  t.equal(await counted('/a', 'protocol'), 1);
  t.equal(await counted('/b', 'oversized'), 1);
  t.same(
    lines.filter((l) => l.level === 40).map((l) => [l.endpoint, l.reason, l.suppressed]),
    [
      ['/a', 'oversized', undefined],
      ['/a', 'protocol', undefined],
      ['/b', 'oversized', undefined],
      ['/a', 'oversized', 4],
    ],
    'one warning per endpoint and reason per interval, then with how many were left out',
  );
  t.equal(lines.filter((l) => l.level === 50).length, 1, 'a failure of the server itself is an error');
});
