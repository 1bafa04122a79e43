import { networkInterfaces } from 'node:os';
import t from 'tap';
import { addressRefusal, assertSafeUrl } from './url-guard.js';

const strict = { allowLoopback: false, hubPort: 8080 };
const tests = { allowLoopback: true, hubPort: 8080 };

t.test('addresses', async (t) => {
  for (const a of [
    '169.254.169.254',
    '169.254.0.1',
    'fe80::1',
    '::ffff:169.254.169.254',
    '0.0.0.0',
    '::',
    '100.100.100.200',
    'fd00:ec2::254',
    '224.0.0.1',
  ])
    t.ok(addressRefusal(a, 80, tests), `${a} refused even with loopback allowed`);
  t.ok(addressRefusal('127.0.0.1', 9000, strict), 'loopback refused by default');
  t.equal(addressRefusal('127.0.0.1', 9000, tests), null, 'loopback allowed by the option');
  t.match(addressRefusal('127.0.0.1', 8080, tests), /hub itself/, "never the hub's own port");
  t.match(addressRefusal('::1', 8080, tests), /hub itself/);
  const own = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === 'IPv4');
  if (own) {
    t.match(addressRefusal(own.address, 8080, strict), /hub itself/, `this machine's own ${own.address} on the hub's port is the hub`);
    t.equal(addressRefusal(own.address, 8081, strict), null, 'another port of this machine is not the hub');
  }
  for (const a of ['10.1.2.3', '192.168.1.5', '172.16.0.9', '203.113.1.1', '2001:db8::1'])
    t.equal(addressRefusal(a, 443, strict), null, `${a} allowed`);
});

t.test('URLs', async (t) => {
  await t.rejects(assertSafeUrl('gopher://x', strict), /not http/);
  await t.rejects(assertSafeUrl('http://localhost:8080/', tests), /hub itself/, 'names are resolved');
  await t.rejects(assertSafeUrl('http://metadata.google.internal/', tests), /metadata/);
  await t.rejects(assertSafeUrl('http://nonexistent.invalid/', tests), /does not resolve/);
  t.ok(await assertSafeUrl('https://10.0.0.1/hook', strict));
});
