export type { DossierComponent, DossierEvent, DossierFile, DossierReceived, DossierSnapshot } from './events.js';
export type { DossierStatus } from './status.js';

export { DOSSIER_STREAM_PREFIX, dossierStream } from './events.js';
export { ALL_STATUSES, STATUS_CODES, STATUS_LABELS, isResolved, parseStatus } from './status.js';
export { clockAt, duePassed, isOverdue } from './overdue.js';
export { hashPin, pinVerifier, verifyPin } from './pin.js';
export { loadSecret } from './secret-keys.js';
