import t from 'tap';
import { startVnpaySimulator } from '@lienthong/testing';
import { startDossiersHub } from '../test-helpers.js';
import { publishOnlineProcedure, staffAct, submitOnline } from '../test/online-dossier.js';
import { vnpayDate, vnpaySignature } from './vnpay.js';

// The VNPay simulator is a process of its own that checks the redirect and calls the hub's IPN over HTTP.
const sim = await startVnpaySimulator();
t.teardown(() => sim.stop());
const hub = await startDossiersHub({
  payments: { vnpay: { url: sim.paymentUrl, tmnCode: sim.tmnCode, secret: sim.secret }, returnUrl: null },
  online: { perMinute: 10_000, failures: 10_000 },
});
t.teardown(() => hub.close());
const hubUrl = await hub.app.listen({ port: 0, host: '127.0.0.1' });
await sim.setIpnUrl(`${hubUrl}/v1/payments/vnpay/ipn`);

const A = '000.00.12.H40';
await hub.agency(A);
const clerk = await hub.staff(A, ['clerk']);
const officer = await hub.staff(A, ['officer']);
const officerOfB = await (async () => {
  await hub.agency('000.00.13.H40');
  return hub.staff('000.00.13.H40', ['officer']);
})();
await publishOnlineProcedure(hub);

/** An online dossier in status 6, a fee of `amount` VND asked. */
async function dossierAwaitingPayment(amount: number) {
  const receipt = await submitOnline(hub, A);
  await staffAct(hub, receipt.dossierCode, 'accept', clerk);
  await staffAct(hub, receipt.dossierCode, 'assign', clerk, { officer: 'o1' });
  await staffAct(hub, receipt.dossierCode, 'request-payment', officer, { amount, reason: 'Lệ phí đăng ký' });
  return receipt;
}
const startPayment = (code: string, pin: string) =>
  hub.app.inject({
    method: 'POST',
    url: `/v1/public/dossiers/${code}/payments?pin=${pin}`,
    remoteAddress: '203.0.113.7',
    // as the payer's browser reached the hub: the default return URL is built from it
    headers: { host: new URL(hubUrl).host },
  });
const view = async (code: string, pin: string) =>
  (await hub.app.inject({ method: 'GET', url: `/v1/public/dossiers/${code}?pin=${pin}` })).json<{
    statusCode: number;
    paymentDue: number | null;
  }>();
const txnRefOf = (redirectUrl: string) => new URL(redirectUrl).searchParams.get('vnp_TxnRef')!;
const events = async (stream: string) => (await hub.platform.store.readStream(stream)).map((e) => e.type);
/** Follows the payer's return to the hub: where it sends the browser. */
const returnTo = async (returnUrl: string) => {
  const res = await fetch(returnUrl, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') ?? '' };
};

t.test(
  'the citizen pays: a signed redirect, the IPN confirms once, the dossier moves on; a replay answers 02 and charges nothing',
  async (t) => {
    const { dossierCode, lookupPin } = await dossierAwaitingPayment(50_000);
    t.match(await view(dossierCode, lookupPin), { statusCode: 6, paymentDue: 50_000 });

    const res = await startPayment(dossierCode, lookupPin);
    t.equal(res.statusCode, 201, res.body);
    const started = res.json<{ paymentId: string; amount: number; redirectUrl: string; attempt: number }>();
    t.match(started, { amount: 50_000, attempt: 1 });
    t.ok(started.redirectUrl.startsWith(`${sim.paymentUrl}?`), 'to the provider’s payment page');
    const params = new URL(started.redirectUrl).searchParams;
    t.match(Object.fromEntries(params), {
      vnp_Version: '2.1.0',
      vnp_Command: 'pay',
      vnp_TmnCode: sim.tmnCode,
      vnp_Amount: '5000000',
      vnp_CurrCode: 'VND',
      vnp_IpAddr: '203.0.113.7',
      vnp_ReturnUrl: /\/v1\/payments\/vnpay\/return$/,
      vnp_SecureHash: /^[0-9a-f]{128}$/,
    });
    const keys = [...params.keys()].filter((k) => k !== 'vnp_SecureHash');
    t.same(keys, [...keys].sort(), 'parameters sorted by name');

    // the simulator checks the signature as VNPay does before it shows its page
    const page = await sim.open(started.redirectUrl);
    t.equal(page.status, 200, page.text);
    t.match(page.text, /50\.000 VND/);
    const tampered = await sim.open(started.redirectUrl.replace('vnp_Amount=5000000', 'vnp_Amount=100'));
    t.equal(tampered.status, 400, 'a changed amount breaks the signature');
    t.match(tampered.text, /data-code="70"/);

    const txnRef = txnRefOf(started.redirectUrl);
    const paid = await sim.act(txnRef, 'pay');
    t.same(JSON.parse(paid.ipn!.body), { RspCode: '00', Message: 'Confirm Success' });
    t.match(await view(dossierCode, lookupPin), { statusCode: 4, paymentDue: null });

    const replay = await sim.act(txnRef, 'replay');
    t.same(JSON.parse(replay.ipn!.body), { RspCode: '02', Message: 'Order already confirmed' });
    const dossierEvents = await events(`dossier-${dossierCode}`);
    t.equal(dossierEvents.filter((e) => e === 'DossierPaymentConfirmed').length, 1, 'the dossier is confirmed once');
    t.same(await events(`payment-${started.paymentId}`), [
      'PaymentRequested',
      'PaymentAttemptStarted',
      'PaymentConfirmed',
      'PaymentNotificationRefused',
    ]);
    const history = await hub.inject('GET', `/v1/dossiers/${dossierCode}/history`, clerk);
    t.match((history.json() as { items: { type: string; data: object }[] }).items.at(-1), {
      type: 'DossierPaymentConfirmed',
      data: { paymentId: started.paymentId, amount: 50_000 },
    });

    t.same(await returnTo(paid.returnUrl), {
      status: 303,
      location: `/dich-vu-cong?dossier=${encodeURIComponent(dossierCode)}&payment=${started.paymentId}&result=paid`,
    });
    const again = await startPayment(dossierCode, lookupPin);
    t.equal(again.statusCode, 409, 'nothing is due any more');
    t.equal(again.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(again.json(), { status: 409, dossierStatusCode: 4 });
  },
);

t.test(
  'never called back, declined, forged, wrong amount: the payment stays pending and is retried; a second payment is refused',
  async (t) => {
    const { dossierCode, lookupPin } = await dossierAwaitingPayment(120_000);

    const first = (await startPayment(dossierCode, lookupPin)).json<{ paymentId: string; redirectUrl: string; attempt: number }>();
    const firstRef = txnRefOf(first.redirectUrl);
    t.equal((await sim.open(first.redirectUrl)).status, 200);
    const silent = await sim.act(firstRef, 'silent');
    t.equal(silent.ipn, null, 'the provider never calls back');
    t.match(await view(dossierCode, lookupPin), { statusCode: 6, paymentDue: 120_000 });
    t.match((await returnTo(silent.returnUrl)).location, /result=pending$/, 'the payer is told it is pending');

    // the citizen tries again: a new attempt of the same payment, with a reference of its own
    const retry = await startPayment(dossierCode, lookupPin);
    t.equal(retry.statusCode, 201, retry.body);
    const second = retry.json<{ paymentId: string; redirectUrl: string; attempt: number }>();
    t.equal(second.paymentId, first.paymentId);
    t.equal(second.attempt, 2);
    const secondRef = txnRefOf(second.redirectUrl);
    t.not(secondRef, firstRef);
    await sim.open(second.redirectUrl);

    const forged = await sim.act(secondRef, 'bad-signature');
    t.same(JSON.parse(forged.ipn!.body), { RspCode: '97', Message: 'Invalid signature' });
    const wrongAmount = await sim.act(secondRef, 'wrong-amount');
    t.same(JSON.parse(wrongAmount.ipn!.body), { RspCode: '04', Message: 'Invalid amount' });
    t.match(await view(dossierCode, lookupPin), { statusCode: 6 }, 'neither moved the dossier');
    t.match((await returnTo(forged.returnUrl)).location, /^\/dich-vu-cong\?result=invalid$/, 'a forged return is not believed');

    const declined = await sim.act(secondRef, 'decline');
    t.same(JSON.parse(declined.ipn!.body), { RspCode: '00', Message: 'Confirm Success' }, 'a decline is recorded and acknowledged');
    t.match((await returnTo(declined.returnUrl)).location, /result=failed$/);
    t.match(await view(dossierCode, lookupPin), { statusCode: 6 });

    const third = (await startPayment(dossierCode, lookupPin)).json<{ redirectUrl: string; attempt: number }>();
    t.equal(third.attempt, 3);
    await sim.open(third.redirectUrl);
    const paid = await sim.act(txnRefOf(third.redirectUrl), 'pay');
    t.same(JSON.parse(paid.ipn!.body), { RspCode: '00', Message: 'Confirm Success' });
    t.match(await view(dossierCode, lookupPin), { statusCode: 4 });

    // the first attempt's page was still open and the payer paid there too: refused as a second payment, on record for a refund
    const late = await sim.act(firstRef, 'pay');
    t.same(JSON.parse(late.ipn!.body), { RspCode: '02', Message: 'Order already confirmed' });
    t.equal((await events(`dossier-${dossierCode}`)).filter((e) => e === 'DossierPaymentConfirmed').length, 1);
    t.same(await events(`payment-${first.paymentId}`), [
      'PaymentRequested',
      'PaymentAttemptStarted',
      'PaymentAttemptStarted',
      'PaymentNotificationRefused',
      'PaymentFailed',
      'PaymentAttemptStarted',
      'PaymentConfirmed',
      'PaymentNotificationRefused',
    ]);

    // reconciliation: every attempt and every refused notification, for staff of the agency and as CSV
    const day = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10); // today in Vietnam
    await hub.platform.projections.get('dossiers-payments')!.waitFor(await hub.platform.store.headPosition());
    const list = await hub.inject('GET', `/v1/admin/payments?from=${day}&to=${day}`, officer);
    t.equal(list.statusCode, 200, list.body);
    const items = (
      list.json() as { items: { paymentId: string | null; kind: string; status: string; reason: string | null; attemptRef: string }[] }
    ).items.filter((i) => i.paymentId === first.paymentId);
    t.same(
      items.map((i) => `${i.kind}:${i.status}:${i.reason ?? ''}`),
      ['attempt:pending:', 'attempt:failed:', 'refusal:refused:wrong-amount', 'attempt:confirmed:', 'refusal:refused:already-confirmed'],
    );
    const stray = (await hub.inject('GET', `/v1/admin/payments?from=${day}&to=${day}`, hub.admin)).json() as {
      items: { kind: string; reason: string | null; attemptRef: string | null }[];
    };
    t.ok(
      stray.items.some((i) => i.reason === 'bad-signature' && i.attemptRef === secondRef),
      'the forged notification is on record for admins',
    );
    const csv = await hub.inject('GET', `/v1/admin/payments?from=${day}&to=${day}&format=csv`, officer);
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    t.equal(
      lines[0],
      'at,kind,paymentId,attemptRef,dossierCode,agencyId,amount,status,reason,responseCode,providerTransactionNo,bankCode,payDate,settledAt,applied',
    );
    t.ok(
      lines.some((l) => l.includes(first.paymentId) && l.includes(',120000,confirmed,') && l.endsWith(',true')),
      'the confirmed attempt',
    );
    const otherAgency = await hub.inject('GET', `/v1/admin/payments?from=${day}&to=${day}&agencyId=${A}`, officerOfB);
    t.equal(otherAgency.statusCode, 403);
    t.equal(otherAgency.headers['content-type'], 'application/problem+json; charset=utf-8');
  },
);

t.test(
  'the IPN answers hostile and unknown callbacks in VNPay’s format; the payment route refuses like the other citizen routes',
  async (t) => {
    const ipn = async (query: string) => {
      const res = await fetch(`${hubUrl}/v1/payments/vnpay/ipn?${query}`);
      t.equal(res.status, 200);
      return (await res.json()) as { RspCode: string };
    };
    const signedQuery = (params: Record<string, string>) =>
      `${new URLSearchParams(params).toString()}&vnp_SecureHash=${vnpaySignature(params, sim.secret)}`;
    const unknown = {
      vnp_TmnCode: sim.tmnCode,
      vnp_Amount: '100000',
      vnp_ResponseCode: '00',
      vnp_TransactionStatus: '00',
      vnp_TxnRef: 'ORDER12345',
      vnp_PayDate: vnpayDate(new Date()),
    };
    t.match(await ipn(signedQuery(unknown)), { RspCode: '01' }, 'a well-signed unknown order');
    t.match(
      await ipn(signedQuery({ ...unknown, vnp_TxnRef: `${'ab'.repeat(16)}1` })),
      { RspCode: '01' },
      'a reference of our shape, no such payment',
    );
    t.match(await ipn(signedQuery({ ...unknown, vnp_TmnCode: 'OTHER' })), { RspCode: '97' }, 'another terminal');
    t.match(await ipn(''), { RspCode: '97' }, 'nothing');
    t.match(await ipn('vnp_Amount=1&vnp_Amount=2&vnp_SecureHash=00'), { RspCode: '97' }, 'a repeated parameter');
    t.match(await ipn(`vnp_TxnRef=${'x'.repeat(5000)}`), { RspCode: '97' }, 'an oversized parameter');
    t.match(await ipn('%zz=1'), { RspCode: /^(97|99)$/ }, 'an undecodable query');

    const wrongPin = await startPayment('000.00.12.H40-260101-0001', '12345678');
    t.equal(wrongPin.statusCode, 404);
    t.equal(wrongPin.headers['content-type'], 'application/problem+json; charset=utf-8');
    const { dossierCode, lookupPin } = await submitOnline(hub, A);
    const nothingDue = await startPayment(dossierCode, lookupPin);
    t.equal(nothingDue.statusCode, 409, 'no fee asked in status 1');
    t.match(nothingDue.json(), { dossierStatusCode: 1 });
    const badPin = await hub.app.inject({ method: 'POST', url: `/v1/public/dossiers/${dossierCode}/payments?pin=<script>` });
    t.equal(badPin.statusCode, 400);
    t.equal(badPin.headers['content-type'], 'application/problem+json; charset=utf-8');
  },
);
