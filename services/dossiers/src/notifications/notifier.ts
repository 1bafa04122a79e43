import type { Transporter } from 'nodemailer';
import { startSubscriptionLoop, type CheckpointStore, type SubscriptionLoop } from '@lienthong/bus';
import { ExpectedRevision, isWrongExpectedRevision, type EventStore, type RecordedEvent } from '@lienthong/event-store';
import type { Logger } from '@lienthong/service-kit';
import { DOSSIER_STREAM_PREFIX, type DossierEvent, type DossierReceived } from '@lienthong/dossier-contract';
import { unseal } from '../secrets.js';
import { renderNotification } from './templates.js';

/** `notification-<eventId>`: the e-mail of one dossier event, once sent (or refused for good). No address is kept. */
export const NOTIFICATION_STREAM_PREFIX = 'notification-';
const CHECKPOINT = 'dossiers.notifications';

/** Where mail goes: `LT_SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…`), and the sender `LT_SMTP_FROM`. */
export interface NotifierSettings {
  readonly smtpUrl: string;
  readonly from: string;
}

export interface Notifier {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The applicant as sealed at receipt, where the e-mail address is. */
interface SealedApplicant {
  readonly name: string;
  readonly email?: string;
  readonly contact?: { readonly email?: string };
}

/** A refusal of the mail server for good (5xx): retrying would never deliver it. */
const permanent = (error: unknown) => {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
};

/**
 * E-mail notifications of online dossiers (SPEC §7): a reactor on the dossier events, checkpointed
 * like the relay (`startSubscriptionLoop`), so a request never waits for mail and nothing is lost:
 * a mail server that refuses (4xx) or is gone keeps the event in hand, retried with backoff, until
 * it takes it. Each event's mail is recorded as `NotificationSent` in `notification-<eventId>`
 * and never sent again once recorded; its Message-ID is the event's, so a resend after a crash
 * between the server's answer and the record is recognisable by mail clients.
 */
export function createNotifier(deps: {
  store: EventStore;
  checkpoints: CheckpointStore;
  settings: NotifierSettings;
  applicantKey: Buffer;
  logger: Logger;
  /** Ceiling of the retry backoff (default 60 s). */
  maxBackoffMs?: number;
}): Notifier {
  const { store, settings, logger } = deps;
  // nodemailer is imported with the first mail, not at start (a hub without LT_SMTP_URL never loads it).
  let transport: Transporter | undefined;
  const mailer = async (): Promise<Transporter> =>
    (transport ??= (await import('nodemailer')).createTransport(settings.smtpUrl, { from: settings.from }));
  let loop: SubscriptionLoop | undefined;

  async function record(event: RecordedEvent, type: 'NotificationSent' | 'NotificationFailed', extra: Record<string, unknown>) {
    const d = event.data as { dossierCode: string; status: string };
    try {
      await store.append(
        `${NOTIFICATION_STREAM_PREFIX}${event.id}`,
        [
          {
            type,
            data: { eventId: event.id, dossierCode: d.dossierCode, status: d.status, ...extra },
            metadata: {
              correlationId: event.metadata.correlationId,
              causationId: event.id,
              actor: 'dossiers:notifications',
              at: new Date().toISOString(),
            },
          },
        ],
        { expectedRevision: ExpectedRevision.noStream },
      );
    } catch (error) {
      if (!isWrongExpectedRevision(error)) throw error; // recorded already
    }
  }

  async function notify(event: RecordedEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as DossierEvent;
    if (e.type === 'DossierBecameOverdue' || e.type === 'DossierApologized') return;
    const history = await store.readStream(event.stream, { maxCount: event.revision + 1 });
    const receipt = history[0];
    if (receipt?.type !== 'DossierReceived') return;
    const received = receipt.data as DossierReceived['data'];
    if (received.channel !== 'online') return;
    // A status change only (a second assignment keeps the status).
    const previous = event.revision > 0 ? (history[event.revision - 1]?.data as { status?: string } | undefined)?.status : undefined;
    if (e.type !== 'DossierReceived' && previous === e.data.status) return;
    if ((await store.readStream(`${NOTIFICATION_STREAM_PREFIX}${event.id}`)).length > 0) return; // sent already
    const applicant = unseal<SealedApplicant>(deps.applicantKey, received.dossierCode, received.applicantSealed);
    const to = applicant.contact?.email ?? applicant.email;
    if (to === undefined) return;
    const d = e.data as { reason?: string | null; amount?: number };
    const mail = renderNotification({
      dossierCode: received.dossierCode,
      procedureName: received.procedureName,
      applicantName: applicant.name,
      status: e.data.status,
      reason: d.reason,
      ...(e.type === 'DossierPaymentRequested' ? { amount: e.data.amount } : {}),
      dueAt: e.data.dueAt,
      at: event.metadata.at,
    });
    try {
      await (await mailer()).sendMail({ to, subject: mail.subject, text: mail.text, messageId: `<${event.id}@lienthong>` });
    } catch (error) {
      const code = (error as { responseCode?: number; code?: string }).responseCode ?? (error as { code?: string }).code;
      if (!permanent(error)) {
        // No address, no body in the log: the event and the server's code only.
        logger.warn({ eventId: event.id, dossierCode: received.dossierCode, code }, 'notification not sent, retrying');
        throw new Error(`notification of ${event.id} not sent (${String(code)})`, { cause: error });
      }
      logger.warn({ eventId: event.id, dossierCode: received.dossierCode, code }, 'notification refused for good');
      await record(event, 'NotificationFailed', { responseCode: code });
      return;
    }
    await record(event, 'NotificationSent', {});
    logger.info({ eventId: event.id, dossierCode: received.dossierCode, status: e.data.status }, 'notification sent');
  }

  return {
    async start() {
      loop = await startSubscriptionLoop({
        name: 'dossier notifications',
        store,
        streamPrefixes: [DOSSIER_STREAM_PREFIX],
        checkpoint: { load: () => deps.checkpoints.load(CHECKPOINT), save: (position) => deps.checkpoints.save(CHECKPOINT, position) },
        // One at a time: a failure retries that mail, and those sent before it are not sent again (the record says so).
        maxBatch: 20,
        maxBackoffMs: deps.maxBackoffMs ?? 60_000,
        handle: async (events) => {
          for (const event of events) await notify(event);
        },
        reasonOf: (error) => (error instanceof Error && error.message.startsWith('notification of') ? error.message : undefined),
        logger,
      });
    },
    async stop() {
      await loop?.stop();
      transport?.close();
    },
  };
}
