import { z } from 'zod';
import type { VnpayTerminal } from './vnpay.js';

/** Online payment's settings (SPEC §7), from the environment unless the module is given them. */
export interface PaymentSettings {
  /** null: online payment is off (`POST …/payments` answers 503). */
  readonly vnpay: VnpayTerminal | null;
  /** Where VNPay sends the payer back; default: this hub's `/v1/payments/vnpay/return` as the payer's request reached it. */
  readonly returnUrl: string | null;
}

const Env = z.object({
  LT_VNPAY_URL: z.url({ protocol: /^https?$/ }).optional(),
  LT_VNPAY_TMN_CODE: z
    .string()
    .regex(/^[0-9A-Za-z]{1,32}$/, 'must be the terminal code VNPay issued (letters and digits)')
    .optional(),
  LT_VNPAY_SECRET: z.string().min(16, 'must be the hash secret VNPay issued').optional(),
  LT_VNPAY_RETURN_URL: z.url({ protocol: /^https?$/ }).optional(),
});

/** `LT_VNPAY_URL`, `LT_VNPAY_TMN_CODE`, `LT_VNPAY_SECRET` (all three, or none), `LT_VNPAY_RETURN_URL`. */
export function paymentSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentSettings {
  const blankless = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = Env.safeParse(blankless);
  if (!parsed.success)
    throw new Error(`invalid payment configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const set = [e.LT_VNPAY_URL, e.LT_VNPAY_TMN_CODE, e.LT_VNPAY_SECRET].filter((v) => v !== undefined).length;
  if (set !== 0 && set !== 3)
    throw new Error('invalid payment configuration: set LT_VNPAY_URL, LT_VNPAY_TMN_CODE and LT_VNPAY_SECRET together');
  return {
    vnpay: set === 3 ? { url: e.LT_VNPAY_URL!, tmnCode: e.LT_VNPAY_TMN_CODE!, secret: e.LT_VNPAY_SECRET! } : null,
    returnUrl: e.LT_VNPAY_RETURN_URL ?? null,
  };
}
