/**
 * What crosses between the parse pool (xml-parser.ts) and a parse worker (parse-worker.ts). Both
 * load this module: it imports the error classes only, so a worker's module graph stays small.
 */
import { AppError } from '@lienthong/service-kit/errors';
import type { AppErrorOptions, ErrorCode } from '@lienthong/service-kit'; // types only: erased, loads nothing
import type { EdxmlMessage, SignatureVerification } from '@lienthong/edxml';

export type ToWorker =
  | {
      readonly type: 'parse';
      readonly id: number;
      readonly body: Uint8Array;
      readonly maxBytes: number;
      readonly keepUpTo: number;
      readonly gated: boolean;
      readonly verify: boolean;
    }
  | { readonly type: 'gate'; readonly id: number; readonly ok: boolean }
  | { readonly type: 'close' };
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'sender'; readonly id: number; readonly sender: string | null }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly message: EdxmlMessage;
      readonly digest: { sha256: string; size: number; raw: Uint8Array | null };
      readonly verification?: SignatureVerification;
    }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError };
export interface SerializedError {
  readonly message: string;
  readonly name?: string;
  readonly stack?: string;
  readonly code?: unknown;
  readonly app?: {
    readonly code: ErrorCode;
    readonly errors?: AppErrorOptions['errors'];
    readonly extensions?: AppErrorOptions['extensions'];
  };
}

export function serializeError(error: unknown): SerializedError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AppError)
    return {
      message,
      app: {
        code: error.code,
        ...(error.errors ? { errors: error.errors } : {}),
        ...(error.extensions ? { extensions: error.extensions } : {}),
      },
    };
  if (!(error instanceof Error)) return { message };
  const code = (error as { code?: unknown }).code;
  return { message, name: error.name, ...(error.stack ? { stack: error.stack } : {}), ...(code !== undefined ? { code } : {}) };
}
