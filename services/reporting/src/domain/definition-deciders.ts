import { DomainError, assertNever, canonicalJson, type Decider } from '@lienthong/decider';
import type { IndicatorEvent, IndicatorRecord, RegimeEvent, RegimeRecord } from './events.js';

/** The indicators the hub computes from its own events (SPEC §9); nobody types their values. */
export const HUB_INDICATORS = [
  'dossiers.received',
  'dossiers.resolvedOnTime',
  'dossiers.resolvedLate',
  'dossiers.pendingOverdue',
  'dossiers.onlineShare',
  'documents.sent',
  'documents.received',
  'documents.signedValidShare',
] as const;
export type HubIndicator = (typeof HUB_INDICATORS)[number];
export const isHubIndicator = (code: string): code is HubIndicator => (HUB_INDICATORS as readonly string[]).includes(code);
/** Hub indicators are named `dossiers.*` / `documents.*`; no other code may use those prefixes. */
export const isHubNamespace = (code: string) => code.startsWith('dossiers.') || code.startsWith('documents.');

export type Versioned<R> =
  { readonly exists: false } | { readonly exists: true; readonly code: string; readonly version: number; readonly record: R };

export type PublishIndicator = {
  readonly type: 'PublishIndicator';
  readonly data: { readonly code: string; readonly record: IndicatorRecord; readonly at: string };
};
export type PublishRegime = {
  readonly type: 'PublishRegime';
  readonly data: {
    readonly code: string;
    readonly record: RegimeRecord;
    readonly at: string;
    /** Of the regime's indicators, those not defined when the command was built (from the read model). */
    readonly unknownIndicators: readonly string[];
  };
};

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * Rules of one indicator record that need no state: a ratio names a numerator and a denominator,
 * nothing else does; hub indicators are the listed eight and numeric.
 */
export function indicatorRecordFaults(code: string, r: IndicatorRecord): { field: string; message: string }[] {
  const faults: { field: string; message: string }[] = [];
  if (r.aggregation === 'ratio') {
    if (r.numerator === null) faults.push({ field: 'numerator', message: 'a ratio names its numerator indicator' });
    if (r.denominator === null) faults.push({ field: 'denominator', message: 'a ratio names its denominator indicator' });
    if (r.kind === 'text') faults.push({ field: 'kind', message: 'a ratio is a number' });
  } else {
    if (r.numerator !== null) faults.push({ field: 'numerator', message: 'only a ratio has a numerator' });
    if (r.denominator !== null) faults.push({ field: 'denominator', message: 'only a ratio has a denominator' });
  }
  if (r.kind === 'text' && r.aggregation !== 'none') faults.push({ field: 'aggregation', message: 'text is not aggregated: use none' });
  if (isHubNamespace(code) && !isHubIndicator(code))
    faults.push({ field: 'code', message: `dossiers.* and documents.* are computed by the hub: one of ${HUB_INDICATORS.join(', ')}` });
  if (isHubIndicator(code) && r.kind === 'text') faults.push({ field: 'kind', message: 'a hub indicator is a number' });
  return faults;
}

/** One indicator code, stream `indicator-<code>`: each changed PUT is the next version; an identical one publishes nothing. */
export const indicatorDecider: Decider<Versioned<IndicatorRecord>, PublishIndicator, IndicatorEvent> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'PublishIndicator': {
        const { code, record, at } = command.data;
        const faults = indicatorRecordFaults(code, record);
        if (faults.length > 0)
          throw new DomainError('invalid', `indicator ${code}: ${faults.map((f) => f.message).join('; ')}`, { fields: faults });
        if (state.exists && same(state.record, record)) return [];
        return [{ type: 'IndicatorPublished', data: { code, version: state.exists ? state.version + 1 : 1, at, ...record } }];
      }
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'IndicatorPublished': {
        const { code, version, at: _at, ...record } = event.data;
        return { exists: true, code, version, record };
      }
      default:
        return assertNever(event.type, 'event');
    }
  },
};

/** One regime code, stream `regime-<code>`: versioned as indicators; every indicator it lists must exist. */
export const regimeDecider: Decider<Versioned<RegimeRecord>, PublishRegime, RegimeEvent> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'PublishRegime': {
        const { code, record, at, unknownIndicators } = command.data;
        if (unknownIndicators.length > 0)
          throw new DomainError('unprocessable', `regime ${code} lists unknown indicators: ${unknownIndicators.join(', ')}`, {
            facts: { unknownIndicators },
          });
        if (new Set(record.indicators).size !== record.indicators.length)
          throw new DomainError('invalid', `regime ${code} lists an indicator twice`, {
            fields: [{ field: 'indicators', message: 'listed twice' }],
          });
        if (state.exists && same(state.record, record)) return [];
        return [{ type: 'RegimePublished', data: { code, version: state.exists ? state.version + 1 : 1, at, ...record } }];
      }
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'RegimePublished': {
        const { code, version, at: _at, ...record } = event.data;
        return { exists: true, code, version, record };
      }
      default:
        return assertNever(event.type, 'event');
    }
  },
};
