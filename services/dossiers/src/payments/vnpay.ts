import { createHmac, timingSafeEqual } from 'node:crypto';
import { VN_UTC_OFFSET_MS } from '@lienthong/calendar';
import type { PaymentOrder, PaymentProvider, VerifiedCallback } from './provider.js';

/** The terminal of a merchant at VNPay (`LT_VNPAY_URL`, `LT_VNPAY_TMN_CODE`, `LT_VNPAY_SECRET`). */
export interface VnpayTerminal {
  /** The payment page, e.g. `https://sandbox.vnpayment.vn/paymentv2/vpcpay.html`. */
  readonly url: string;
  readonly tmnCode: string;
  /** The hash secret (vnp_HashSecret) VNPay issued with the terminal. */
  readonly secret: string;
}

/** The protocol version this adapter speaks. */
export const VNPAY_VERSION = '2.1.0';

/** `yyyyMMddHHmmss` on the Vietnam clock (GMT+7), as VNPay writes dates. */
export function vnpayDate(at: Date): string {
  return new Date(at.getTime() + VN_UTC_OFFSET_MS).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** A value as `application/x-www-form-urlencoded` writes it (space `+`), as VNPay's reference code encodes before signing. */
const encode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);

/**
 * The signed data of VNPay 2.1.0: every `vnp_*` parameter but the hash itself, non-empty, sorted
 * by name, `name=encoded value` joined by `&`.
 */
export function vnpaySignData(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${encode(params[k]!)}`)
    .join('&');
}

/** HMAC-SHA512 of the signed data under the hash secret, hex. */
export function vnpaySignature(params: Readonly<Record<string, string>>, secret: string): string {
  return createHmac('sha512', secret).update(vnpaySignData(params), 'utf8').digest('hex');
}

/** Parameters VNPay sends back to the IPN and return URLs (and nothing else is read). */
const MAX_PARAM = 512;

/** A callback's parameters as strings, or null when one is repeated, not text, or too long. */
function callbackParams(query: Readonly<Record<string, unknown>>): Record<string, string> | null {
  const out: Record<string, string> = {};
  const keys = Object.keys(query);
  if (keys.length > 40) return null;
  for (const key of keys) {
    const value = query[key];
    if (typeof value !== 'string' || value.length > MAX_PARAM || key.length > 64) return null;
    out[key] = value;
  }
  return out;
}

/**
 * The VNPay 2.1.0 adapter: the signed redirect to the payment page (`vnp_Command=pay`), and
 * the verification of the IPN and return URL parameters (signature, terminal, amount ×100).
 */
export function vnpayProvider(terminal: VnpayTerminal): PaymentProvider {
  return {
    name: 'vnpay',

    redirectUrl(order: PaymentOrder): string {
      const params: Record<string, string> = {
        vnp_Version: VNPAY_VERSION,
        vnp_Command: 'pay',
        vnp_TmnCode: terminal.tmnCode,
        // In VND × 100 (VNPay carries two implied decimals).
        vnp_Amount: String(order.amount * 100),
        vnp_CurrCode: 'VND',
        vnp_TxnRef: order.attemptRef,
        vnp_OrderInfo: order.description,
        vnp_OrderType: 'other',
        vnp_Locale: 'vn',
        vnp_ReturnUrl: order.returnUrl,
        vnp_IpAddr: order.clientIp,
        vnp_CreateDate: vnpayDate(order.createdAt),
        vnp_ExpireDate: vnpayDate(order.expiresAt),
      };
      const query = vnpaySignData(params);
      return `${terminal.url}?${query}&vnp_SecureHash=${vnpaySignature(params, terminal.secret)}`;
    },

    verify(query): VerifiedCallback {
      const params = callbackParams(query);
      const ref = params?.vnp_TxnRef ?? null;
      const given = params?.vnp_SecureHash;
      if (!params || given === undefined || !/^[0-9a-fA-F]{128}$/.test(given)) return { verified: false, attemptRef: ref };
      const expected = Buffer.from(vnpaySignature(params, terminal.secret), 'hex');
      if (!timingSafeEqual(expected, Buffer.from(given, 'hex')) || params.vnp_TmnCode !== terminal.tmnCode)
        return { verified: false, attemptRef: ref };
      const amount = /^\d{1,15}$/.test(params.vnp_Amount ?? '') ? Number(params.vnp_Amount) / 100 : -1;
      const responseCode = params.vnp_ResponseCode ?? '';
      const transactionStatus = params.vnp_TransactionStatus ?? null;
      return {
        verified: true,
        notice: {
          attemptRef: ref ?? '',
          amount,
          // Paid only when both say so (VNPay: vnp_ResponseCode 00 and vnp_TransactionStatus 00).
          paid: responseCode === '00' && (transactionStatus === null || transactionStatus === '00'),
          responseCode,
          transactionStatus,
          providerTransactionNo: params.vnp_TransactionNo ?? null,
          bankCode: params.vnp_BankCode ?? null,
          payDate: params.vnp_PayDate ?? null,
        },
      };
    },
  };
}
