import t from 'tap';
import { serializeRequest } from './logger.js';

t.test('request lines never carry lookup PINs, tickets or tokens', async (t) => {
  const line = serializeRequest({ method: 'GET', url: '/v1/track/H40-261122-0001?pin=12345678&x=1&ticket=abc', ip: '127.0.0.1' });
  t.equal(line.url, '/v1/track/H40-261122-0001?pin=[redacted]&x=1&ticket=[redacted]');
  t.equal(line.method, 'GET');
  t.equal(serializeRequest({ url: '/v1/agencies?limit=2' }).url, '/v1/agencies?limit=2', 'other parameters kept');
});
