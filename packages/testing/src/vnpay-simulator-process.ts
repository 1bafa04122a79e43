/**
 * A VNPay 2.1.0 payment gateway stand-in, as a process of its own (`startVnpaySimulator`). It
 * follows the published protocol independently of the hub's adapter: the payment page
 * (`/paymentv2/vpcpay.html`) checks the redirect's parameters and its HMAC-SHA512 signature,
 * then the payer (a browser's form or a test's control call) pays or declines; the gateway calls
 * the merchant's IPN URL with signed parameters and sends the payer back to `vnp_ReturnUrl`.
 * Test controls under `/sim/…` make it misbehave: replay an IPN, send a wrong amount or a bad
 * signature, or never call back. Settings: SIM_TMN_CODE, SIM_SECRET, SIM_IPN_URL (or `POST /sim/config`).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const tmnCode = process.env.SIM_TMN_CODE ?? 'LTTEST01';
const secret = process.env.SIM_SECRET ?? '';
let ipnUrl = process.env.SIM_IPN_URL ?? '';
if (secret === '') throw new Error('SIM_SECRET is required');

type Params = Record<string, string>;
interface Order {
  readonly params: Params;
  readonly seenAt: string;
  /** IPN calls made, in order: the query sent and the merchant's answer. */
  readonly ipn: { query: string; status: number; body: string }[];
  lastIpnQuery: string | null;
  transactionNo: string;
}
const orders = new Map<string, Order>();
let transactionSeq = 14_000_000;

/** VNPay's signed data: vnp_* parameters but the hash, non-empty, sorted, values form-encoded (space `+`). */
function signData(params: Params): string {
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${new URLSearchParams([['', params[k]!]]).toString().slice(1)}`)
    .join('&');
}
const sign = (params: Params, key = secret) => createHmac('sha512', key).update(signData(params), 'utf8').digest('hex');
const signed = (params: Params, key = secret) => `${signData(params)}&vnp_SecureHash=${sign(params, key)}`;

/** VNPay's clock: `yyyyMMddHHmmss` at GMT+7. */
const vnDate = (at: Date) => new Date(at.getTime() + 7 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);

const REQUIRED = [
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_Amount',
  'vnp_CurrCode',
  'vnp_TxnRef',
  'vnp_OrderInfo',
  'vnp_OrderType',
  'vnp_Locale',
  'vnp_ReturnUrl',
  'vnp_IpAddr',
  'vnp_CreateDate',
];

/** The payment page's checks, with VNPay's error codes (70 wrong signature, 03 invalid data, 02 wrong terminal). */
function checkRedirect(params: Params): { code: string; message: string } | null {
  const missing = REQUIRED.filter((k) => !params[k]);
  if (missing.length > 0) return { code: '03', message: `Dữ liệu gửi sang không đúng định dạng: thiếu ${missing.join(', ')}` };
  if (params.vnp_Version !== '2.1.0' || params.vnp_Command !== 'pay') return { code: '03', message: 'Phiên bản hoặc lệnh không hỗ trợ' };
  if (params.vnp_TmnCode !== tmnCode) return { code: '02', message: 'Website không tồn tại' };
  if (!/^\d+$/.test(params.vnp_Amount!) || Number(params.vnp_Amount) % 100 !== 0) return { code: '03', message: 'Số tiền không hợp lệ' };
  if (!/^\d{14}$/.test(params.vnp_CreateDate!)) return { code: '03', message: 'Ngày tạo không hợp lệ' };
  if (params.vnp_SecureHash !== sign(params)) return { code: '70', message: 'Sai chữ ký' };
  return null;
}

type Scenario = 'pay' | 'decline' | 'replay' | 'wrong-amount' | 'bad-signature' | 'silent';

/** The IPN and return parameters of an outcome, signed (a bad signature: under another secret). */
function outcomeParams(order: Order, scenario: Exclude<Scenario, 'replay'>): { query: string; params: Params } {
  const paid = scenario !== 'decline';
  const amount = scenario === 'wrong-amount' ? String(Number(order.params.vnp_Amount) + 1_000_000) : order.params.vnp_Amount!;
  const params: Params = {
    vnp_TmnCode: tmnCode,
    vnp_Amount: amount,
    vnp_BankCode: 'NCB',
    vnp_BankTranNo: paid ? `VNP${order.transactionNo}` : '',
    vnp_CardType: 'ATM',
    vnp_PayDate: vnDate(new Date()),
    vnp_OrderInfo: order.params.vnp_OrderInfo!,
    vnp_TransactionNo: paid ? order.transactionNo : '0',
    // 24: the customer cancelled the transaction.
    vnp_ResponseCode: paid ? '00' : '24',
    vnp_TransactionStatus: paid ? '00' : '02',
    vnp_TxnRef: order.params.vnp_TxnRef!,
  };
  return { params, query: signed(params, scenario === 'bad-signature' ? `${secret}-forged` : secret) };
}

async function callIpn(order: Order, query: string): Promise<{ status: number; body: string }> {
  if (!ipnUrl) throw new Error('no IPN URL configured');
  order.lastIpnQuery = query;
  const res = await fetch(`${ipnUrl}?${query}`);
  const result = { query, status: res.status, body: await res.text() };
  order.ipn.push(result);
  return { status: result.status, body: result.body };
}

/** Runs a scenario on an order: the IPN (unless silent) and the payer's return URL. */
async function run(order: Order, scenario: Scenario): Promise<{ ipn: { status: number; body: string } | null; returnUrl: string }> {
  if (scenario === 'replay') {
    if (order.lastIpnQuery === null) throw new Error('nothing to replay');
    const ipn = await callIpn(order, order.lastIpnQuery);
    return { ipn, returnUrl: `${order.params.vnp_ReturnUrl}?${order.lastIpnQuery}` };
  }
  const { query } = outcomeParams(order, scenario === 'silent' ? 'pay' : scenario);
  const ipn = scenario === 'silent' ? null : await callIpn(order, query);
  return { ipn, returnUrl: `${order.params.vnp_ReturnUrl}?${query}` };
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const html = (res: ServerResponse, status: number, body: string): void =>
  void res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    .end(`<!doctype html><html lang="vi"><meta charset="utf-8"><title>VNPay (giả lập)</title><body>${body}</body></html>`);
const json = (res: ServerResponse, status: number, value: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new Error('body too large');
  }
  return text;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const path = url.pathname;
  if (path === '/health/ready' || path === '/health/live') return json(res, 200, { ok: true });
  if (req.method === 'GET' && path === '/paymentv2/vpcpay.html') {
    const params: Params = Object.fromEntries(url.searchParams);
    const refused = checkRedirect(params);
    if (refused)
      return html(res, 400, `<h1>Giao dịch không thành công</h1><p id="error" data-code="${refused.code}">${escape(refused.message)}</p>`);
    let order = orders.get(params.vnp_TxnRef!);
    if (!order) {
      order = { params, seenAt: new Date().toISOString(), ipn: [], lastIpnQuery: null, transactionNo: String(++transactionSeq) };
      orders.set(params.vnp_TxnRef!, order);
    }
    const amount = (Number(params.vnp_Amount) / 100).toLocaleString('vi-VN');
    return html(
      res,
      200,
      `<main><h1>Cổng thanh toán VNPay (giả lập)</h1><p>Đơn hàng <b id="txn">${escape(params.vnp_TxnRef!)}</b>: ${escape(params.vnp_OrderInfo!)}</p>
      <p>Số tiền: <b id="amount">${amount} VND</b></p>
      <form method="post" action="/paymentv2/pay"><input type="hidden" name="txnRef" value="${escape(params.vnp_TxnRef!)}">
      <button name="outcome" value="pay">Thanh toán</button> <button name="outcome" value="decline">Hủy giao dịch</button></form></main>`,
    );
  }
  if (req.method === 'POST' && path === '/paymentv2/pay') {
    const form = new URLSearchParams(await body(req));
    const order = orders.get(form.get('txnRef') ?? '');
    const outcome = form.get('outcome') === 'decline' ? 'decline' : 'pay';
    if (!order) return html(res, 404, '<p>Không tìm thấy giao dịch</p>');
    const { returnUrl } = await run(order, outcome);
    res.writeHead(302, { location: returnUrl }).end();
    return;
  }
  if (req.method === 'POST' && path === '/sim/config') {
    const config = JSON.parse(await body(req)) as { ipnUrl?: string };
    if (config.ipnUrl) ipnUrl = config.ipnUrl;
    return json(res, 200, { ipnUrl });
  }
  const control = /^\/sim\/orders\/([^/]+)\/(pay|decline|replay|wrong-amount|bad-signature|silent)$/.exec(path);
  if (req.method === 'POST' && control) {
    const order = orders.get(decodeURIComponent(control[1]!));
    if (!order) return json(res, 404, { error: 'no such order: open its redirect URL first' });
    return json(res, 200, await run(order, control[2] as Scenario));
  }
  if (req.method === 'GET' && path === '/sim/orders')
    return json(
      res,
      200,
      [...orders.values()].map((o) => ({
        txnRef: o.params.vnp_TxnRef,
        amount: Number(o.params.vnp_Amount) / 100,
        params: o.params,
        ipn: o.ipn,
      })),
    );
  return json(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => json(res, 500, { error: error instanceof Error ? error.message : String(error) }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`VNPay simulator listening at http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
