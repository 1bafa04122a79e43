import type { PaymentNotice } from '../domain/payment-decider.js';

/** One attempt to pay, as the provider is asked to take it. */
export interface PaymentOrder {
  /** The attempt's reference, unique per attempt (VNPay's `vnp_TxnRef`). */
  readonly attemptRef: string;
  /** VND. */
  readonly amount: number;
  /** Shown to the payer; plain ASCII (providers refuse diacritics and special characters). */
  readonly description: string;
  /** The payer's address, as the provider asks for it. */
  readonly clientIp: string;
  /** Where the provider sends the payer back. */
  readonly returnUrl: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** A provider's callback, checked: its signature and terminal, then what it says. */
export type VerifiedCallback =
  { readonly verified: true; readonly notice: PaymentNotice } | { readonly verified: false; readonly attemptRef: string | null };

/**
 * The payment provider port (cổng thanh toán) in the dossiers' terms: where to send a payer for
 * an attempt, and what a callback of the provider (a server notification or the payer's return)
 * says once its signature is checked. Adapters speak one provider's protocol; the first is VNPay's.
 */
export interface PaymentProvider {
  /** Names the provider in events (`vnpay`). */
  readonly name: string;
  /** The provider's page for this attempt, signed. */
  redirectUrl(order: PaymentOrder): string;
  /** A callback's query parameters, verified; never throws on hostile input. */
  verify(query: Readonly<Record<string, unknown>>): VerifiedCallback;
}
