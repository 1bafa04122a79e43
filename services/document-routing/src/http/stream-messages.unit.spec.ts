import t from 'tap';
import { parseStreamMessage } from './stream-messages.js';

const frame = (value: unknown) => Buffer.from(JSON.stringify(value));
/** The refusal's HTTP status, or null when nothing was thrown. */
const statusOf = (parse: () => unknown): number | null => {
  try {
    parse();
    return null;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
};

t.test('an ack frame comes out as the message, extra members dropped', async (t) => {
  t.same(parseStreamMessage(frame({ type: 'ack', deliveryId: 'd-1' }), false), { type: 'ack', deliveryId: 'd-1' });
  t.strictSame(parseStreamMessage(frame({ deliveryId: 'x'.repeat(64), type: 'ack', extra: 1 }), false), {
    type: 'ack',
    deliveryId: 'x'.repeat(64),
  });
});

t.test('anything else is refused with a 400 naming what is wrong', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'ack', deliveryId: '' }, /deliveryId/],
    [{ type: 'ack', deliveryId: 'x'.repeat(65) }, /deliveryId/],
    [{ type: 'ack', deliveryId: 7 }, /deliveryId/],
    [{ type: 'nack', deliveryId: 'd' }, /type/],
    [{ deliveryId: 'd' }, /type/],
    [['ack', 'd'], /message/],
    [null, /message/],
  ];
  for (const [value, names] of cases) {
    t.equal(
      statusOf(() => parseStreamMessage(frame(value), false)),
      400,
      JSON.stringify(value),
    );
    try {
      parseStreamMessage(frame(value), false);
    } catch (error) {
      t.match(
        JSON.stringify({ message: (error as Error).message, errors: (error as { errors?: unknown }).errors }),
        names,
        `names it: ${JSON.stringify(value)}`,
      );
    }
  }
  t.equal(
    statusOf(() => parseStreamMessage(Buffer.from('{not json'), false)),
    400,
  );
  t.equal(
    statusOf(() => parseStreamMessage(frame({ type: 'ack', deliveryId: 'd' }), true)),
    400,
    'binary frames',
  );
});
