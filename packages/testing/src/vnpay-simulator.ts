import { fileURLToPath } from 'node:url';
import { startServer } from './compiled-hub.js';

/** What the simulator does with an order it has shown: see `vnpay-simulator-process.ts`. */
export type VnpayScenario = 'pay' | 'decline' | 'replay' | 'wrong-amount' | 'bad-signature' | 'silent';

/** A running VNPay simulator (a child process). */
export interface VnpaySimulator {
  /** The payment page, for `LT_VNPAY_URL`. */
  readonly paymentUrl: string;
  readonly url: string;
  readonly tmnCode: string;
  readonly secret: string;
  /** Where it sends IPNs (the merchant's IPN URL, as configured at VNPay). */
  setIpnUrl(url: string): Promise<void>;
  /** Opens a redirect URL as the payer's browser would: the page's HTTP status and text. */
  open(redirectUrl: string): Promise<{ status: number; text: string }>;
  /** Runs a scenario on an order already opened: the IPN's HTTP answer (null when silent) and the payer's return URL. */
  act(txnRef: string, scenario: VnpayScenario): Promise<{ ipn: { status: number; body: string } | null; returnUrl: string }>;
  /** Orders seen, with every IPN sent and its answer. */
  orders(): Promise<
    { txnRef: string; amount: number; params: Record<string, string>; ipn: { query: string; status: number; body: string }[] }[]
  >;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./vnpay-simulator-process.ts', import.meta.url));

/** Starts the VNPay 2.1.0 simulator on a free loopback port. */
export async function startVnpaySimulator(options: { tmnCode?: string; secret?: string; ipnUrl?: string } = {}): Promise<VnpaySimulator> {
  const tmnCode = options.tmnCode ?? 'LTTEST01';
  const secret = options.secret ?? 'SIMULATORSECRET0123456789ABCDEF';
  const server = await startServer(['--import', 'tsx', ENTRY], {
    SIM_TMN_CODE: tmnCode,
    SIM_SECRET: secret,
    ...(options.ipnUrl ? { SIM_IPN_URL: options.ipnUrl } : {}),
  });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    if (res.status !== 200) throw new Error(`simulator ${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    url: server.url,
    paymentUrl: `${server.url}/paymentv2/vpcpay.html`,
    tmnCode,
    secret,
    async setIpnUrl(url) {
      await call('POST', '/sim/config', { ipnUrl: url });
    },
    async open(redirectUrl) {
      const res = await fetch(redirectUrl);
      return { status: res.status, text: await res.text() };
    },
    act: (txnRef, scenario) => call('POST', `/sim/orders/${encodeURIComponent(txnRef)}/${scenario}`),
    orders: () => call('GET', '/sim/orders'),
    async stop() {
      await server.stop();
    },
  };
}
