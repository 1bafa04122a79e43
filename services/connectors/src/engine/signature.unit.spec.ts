import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import t from 'tap';
import { Webhook } from 'standardwebhooks';
import { webhookSigner } from './signature.js';

/** A random string of code points from ASCII, Vietnamese, CJK, emoji (surrogate pairs) and JSON escapes. */
function randomText(length: number): string {
  const pools = ['abcXYZ019 .,:{}[]"\\\n\t', 'ăâđêôơưẠạẢảẤấỳỵỷỹĐ', '中文字', '😀🇻🇳👍', '\u0000\u001f\u2028\u2029\uffff'];
  let out = '';
  for (let i = 0; i < length; i++) {
    const pool = [...pools[randomInt(pools.length)]!];
    out += pool[randomInt(pool.length)];
  }
  return out;
}

t.test('node:crypto signature is byte-identical to standardwebhooks Webhook.sign', async (t) => {
  let checked = 0;
  for (let s = 0; s < 20; s++) {
    const secret = `whsec_${randomBytes(24 + randomInt(41)).toString('base64')}`;
    const signer = webhookSigner(secret);
    const reference = new Webhook(secret);
    for (let i = 0; i < 100; i++) {
      const id = i % 3 === 0 ? randomUUID() : `msg_${randomText(randomInt(1, 40))}`;
      const seconds = randomInt(0, 4_000_000_000);
      const body =
        i % 2 === 0
          ? JSON.stringify({ type: 'DossierAccepted', id, data: { note: randomText(randomInt(0, 300)) } })
          : randomText(randomInt(0, 2000));
      const ours = signer.sign(id, seconds, body);
      const theirs = reference.sign(id, new Date(seconds * 1000), body);
      if (ours !== theirs) t.fail(`differs for secret #${s}, id ${JSON.stringify(id)}, ts ${seconds}, body ${JSON.stringify(body)}`);
      checked++;
      // and the package verifies what we signed
      if (i % 10 === 0) {
        const now = Math.floor(Date.now() / 1000);
        const headers = { 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': signer.sign(id, now, body) };
        t.doesNotThrow(() => reference.verify(body, headers, { jsonParse: false }));
      }
    }
  }
  t.equal(checked, 2000, 'signatures compared');
});

t.test('a signature for another body, id or secret does not verify', async (t) => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const signer = webhookSigner(secret);
  const now = Math.floor(Date.now() / 1000);
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': signer.sign('msg_1', now, '{"a":1}') };
  t.throws(() => new Webhook(secret).verify('{"a":2}', headers));
  t.throws(() => new Webhook(secret).verify('{"a":1}', { ...headers, 'webhook-id': 'msg_2' }));
  t.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify('{"a":1}', headers));
});
