import t from 'tap';
import { createSignedTokens, createTicketStore } from './tickets.js';

const secret = Buffer.alloc(32, 7);
const clerk = { kind: 'staff', id: '1', agencyId: 'A', roles: ['clerk'] } as const;
const admin = { kind: 'admin', id: 'admin' } as const;
type Grant = { agencyId: string; principal: typeof clerk | typeof admin };

t.test('tickets: single use, expiring, bounded, signed for every replica of the deployment', async (t) => {
  let now = 1_000;
  const store = createTicketStore<Grant>({ use: 'board-ticket', ttlMs: 60_000, secret, clock: () => now, max: 3 });
  const a = store.issue({ agencyId: 'A', principal: clerk });
  t.equal(a.expiresAt, new Date(61_000).toISOString());
  t.match(store.consume(a.ticket), { ok: true, grant: { agencyId: 'A', principal: clerk }, expiresAt: a.expiresAt });
  t.match(store.consume(a.ticket), { ok: false, reason: 'used', detail: 'the ticket was already used' }, 'second use refused');
  const b = store.issue({ agencyId: 'A', principal: admin });
  const otherReplica = createTicketStore<Grant>({ use: 'board-ticket', ttlMs: 60_000, secret, clock: () => now });
  t.match(
    otherReplica.consume(b.ticket),
    { ok: true, grant: { agencyId: 'A', principal: admin } },
    'another replica of the deployment takes it',
  );
  t.match(
    createTicketStore<Grant>({ use: 'board-ticket', ttlMs: 60_000, secret: Buffer.alloc(32, 8) }).consume(b.ticket),
    { ok: false, reason: 'forged' },
    'another deployment (another secret) refuses it',
  );
  now += 60_000;
  t.match(store.consume(b.ticket), { ok: false, reason: 'expired' }, 'expired');
  for (let i = 0; i < 10; i++) store.consume(store.issue({ agencyId: 'A', principal: admin }).ticket);
  t.ok(store.size <= 3, 'bounded');
});

t.test('a forged ticket is refused: changed grant, changed expiry, bad shape', async (t) => {
  const store = createTicketStore<Grant>({ use: 'board-ticket', ttlMs: 60_000, secret });
  const { ticket } = store.issue({ agencyId: 'A', principal: clerk });
  const [payload, signature] = ticket.split('.') as [string, string];
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const reencode = (b: unknown) => Buffer.from(JSON.stringify(b)).toString('base64url');
  t.match(store.consume(`${reencode({ ...body, grant: { agencyId: 'B', principal: admin } })}.${signature}`), {
    ok: false,
    reason: 'forged',
  });
  t.match(store.consume(`${reencode({ ...body, expires: 1e15 })}.${signature}`), { ok: false, reason: 'forged' });
  t.match(store.consume(`${payload}.${Buffer.alloc(32).toString('base64url')}`), { ok: false, reason: 'forged' });
  t.match(store.consume(`${payload}.x`), { ok: false, reason: 'forged' }, 'a short signature');
  for (const bad of [
    'not-a-ticket',
    `${payload}.${signature}.x`,
    '.',
    `${payload}.`,
    'x'.repeat(10_000),
    `${reencode(42)}.${signature}`,
    '%%%.abc',
  ])
    t.match(store.consume(bad), { ok: false, reason: 'malformed' }, `malformed: ${bad.slice(0, 30)}`);
  t.match(store.consume(ticket), { ok: true }, 'the genuine one still opens, once');
});

t.test('labels separate uses: a board ticket opens no report, and the reverse', async (t) => {
  const board = createTicketStore<Grant>({ use: 'board-ticket', ttlMs: 60_000, secret });
  const reporting = createTicketStore<Grant>({ use: 'reporting-ticket', ttlMs: 60_000, secret });
  const forBoard = board.issue({ agencyId: 'A', principal: clerk }).ticket;
  const forReports = reporting.issue({ agencyId: 'A', principal: clerk }).ticket;
  t.match(reporting.consume(forBoard), { ok: false, reason: 'other-use', detail: /issued for board-ticket, not reporting-ticket/ });
  t.match(board.consume(forReports), { ok: false, reason: 'other-use', detail: /issued for reporting-ticket, not board-ticket/ });
  // relabelled in the payload, the signature (made with the board's key) does not verify
  const [payload, signature] = forBoard.split('.') as [string, string];
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const relabelled = Buffer.from(JSON.stringify({ ...body, use: 'reporting-ticket' })).toString('base64url');
  t.match(reporting.consume(`${relabelled}.${signature}`), { ok: false, reason: 'forged' });
  t.match(board.consume(forBoard), { ok: true }, 'each opens its own');
  t.match(reporting.consume(forReports), { ok: true });
});

t.test('signed tokens: reusable until they expire, refused after', async (t) => {
  let now = 0;
  const tokens = createSignedTokens<{ n: number }>({ use: 'reporting-page', secret, clock: () => now });
  t.equal(tokens.use, 'reporting-page');
  const { token, expiresAt } = tokens.sign({ n: 1 }, 1_000);
  t.equal(expiresAt, new Date(1_000).toISOString());
  t.match(tokens.open(token), { ok: true, grant: { n: 1 } });
  t.match(tokens.open(token), { ok: true, grant: { n: 1 } }, 'not single use');
  now = 1_000;
  t.match(tokens.open(token), { ok: false, reason: 'expired', detail: 'the ticket has expired' });
});
