import t from 'tap';
import { JetStreamApiError, JetStreamStatusError, jserrors } from '@nats-io/jetstream/internal';
import { errors } from '@nats-io/transport-node';
import { describeJetStreamError, isConsumerGone, jetStreamUnavailableReason } from './jetstream-errors.js';
import { BusUnavailableError } from './types.js';

t.test('a failover reads as "JetStream unavailable", whatever nats.js called it', async (t) => {
  const noResponders = new jserrors.JetStreamNotEnabled('jetstream is not enabled', {
    cause: new errors.NoRespondersError('$JS.API.STREAM.INFO.LT_EVENTS'),
  });
  t.equal(jetStreamUnavailableReason(noResponders), 'no responders');
  t.equal(describeJetStreamError(noResponders), 'JetStream unavailable (no responders)');
  t.equal(jetStreamUnavailableReason(new errors.TimeoutError()), 'timeout');
  const temporarily = new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' });
  t.equal(jetStreamUnavailableReason(temporarily), 'JetStream system temporarily unavailable');
  t.equal(jetStreamUnavailableReason(new JetStreamStatusError('leadership change', 409)), 'leadership change');
  const forming = new JetStreamApiError({ code: 500, err_code: 10005, description: 'no suitable peers for placement' });
  t.equal(jetStreamUnavailableReason(forming), 'no suitable peers for placement', 'a cluster still forming');
  t.equal(
    jetStreamUnavailableReason(new BusUnavailableError('publish of e1 not acknowledged', { cause: new errors.TimeoutError() })),
    'timeout',
    'found in the cause',
  );
});

t.test('other errors are not a failover and keep their message', async (t) => {
  const notFound = new JetStreamApiError({ code: 404, err_code: 10059, description: 'stream not found' });
  t.equal(jetStreamUnavailableReason(notFound), undefined);
  t.equal(describeJetStreamError(notFound), 'stream not found');
  t.equal(jetStreamUnavailableReason(new JetStreamStatusError('exceeded maxwaiting', 409)), undefined);
  t.equal(jetStreamUnavailableReason(new Error('boom')), undefined);
  t.equal(jetStreamUnavailableReason('text'), undefined);
});

t.test('a deleted or expired durable is recognised', async (t) => {
  t.ok(isConsumerGone(new Error('consumer not found')));
  t.ok(isConsumerGone(new JetStreamStatusError('Consumer Deleted', 409)));
  t.notOk(isConsumerGone(new Error('stream not found')));
});
