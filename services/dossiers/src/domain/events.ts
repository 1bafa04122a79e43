import { DOSSIER_STREAM_PREFIX, dossierStream } from '@lienthong/dossier-contract';

/** The events others consume are the shared contract's; the ones below are this service's own. */
export type { DossierComponent, DossierEvent, DossierFile, DossierReceived, DossierSnapshot } from '@lienthong/dossier-contract';

/** `dossiercode-<agency>-<YYMMDD>`: one event per code issued; its revision + 1 is the sequence. */
export type DossierCodeIssued = {
  readonly type: 'DossierCodeIssued';
  readonly data: { readonly agencyId: string; readonly day: string; readonly sequence: number; readonly dossierCode: string };
};

/**
 * `dossierrequest-<requestId>`: the first use of a caller's `Idempotency-Key` (the id is derived
 * from the caller and the key): which request it was (`bodySha256` of its target and body) and,
 * for a receipt, the code and receipt instant it was given, so a retry lands on the same dossier.
 */
export type DossierRequestRecorded = {
  readonly type: 'DossierRequestRecorded';
  readonly data: {
    readonly requestId: string;
    readonly key: string;
    readonly bodySha256: string;
    readonly dossierCode: string;
    readonly kind: 'receipt' | 'action';
    /** For a receipt: its instant (a body without `receivedAt` means the first attempt's time). */
    readonly receivedAt?: string;
  };
};

export const DossierStreams = {
  dossier: dossierStream,
  codeSequence: (agencyId: string, yymmdd: string) => `dossiercode-${agencyId}-${yymmdd}`,
  request: (requestId: string) => `dossierrequest-${requestId}`,
} as const;

export const DOSSIER_STREAM_PREFIXES = [DOSSIER_STREAM_PREFIX, 'dossiercode-', 'dossierrequest-'] as const;
