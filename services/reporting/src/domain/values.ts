import { isHubIndicator } from './definition-deciders.js';
import type { IndicatorRecord, IndicatorValue } from './events.js';

export interface ValueFault {
  readonly field: string;
  readonly message: string;
}

/** Whether an indicator's value is typed by the agency: not a hub indicator, not a ratio (computed from its parts). */
export const isEntered = (code: string, indicator: IndicatorRecord) => !isHubIndicator(code) && indicator.aggregation !== 'ratio';

/**
 * What is wrong with draft values, one fault per value, named `values/<code>`: an indicator the
 * period does not ask for, a value of the wrong kind (text for a number, a fraction for an
 * integer, a percent outside 0–100), a value the hub or a ratio computes. `null` removes a value.
 */
export function valueFaults(
  values: Readonly<Record<string, IndicatorValue | null>>,
  indicators: Readonly<Record<string, IndicatorRecord>>,
): ValueFault[] {
  const faults: ValueFault[] = [];
  for (const [code, value] of Object.entries(values)) {
    const field = `values/${code}`;
    const indicator = indicators[code];
    if (indicator === undefined) {
      faults.push({ field, message: `unknown indicator ${code} (not in this regime)` });
      continue;
    }
    if (!isEntered(code, indicator)) {
      faults.push({
        field,
        message: isHubIndicator(code)
          ? 'computed by the hub from its own events'
          : 'a ratio is computed from its numerator and denominator',
      });
      continue;
    }
    if (value === null) continue;
    switch (indicator.kind) {
      case 'text':
        if (typeof value !== 'string') faults.push({ field, message: 'must be text' });
        else if (value.length > 4000) faults.push({ field, message: 'at most 4000 characters' });
        break;
      case 'integer':
        if (typeof value !== 'number' || !Number.isSafeInteger(value))
          faults.push({ field, message: `must be an integer (${indicator.unit})` });
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) faults.push({ field, message: `must be a number (${indicator.unit})` });
        break;
      case 'percent':
        if (typeof value !== 'number' || !Number.isFinite(value)) faults.push({ field, message: 'must be a number of percent' });
        else if (value < 0 || value > 100) faults.push({ field, message: 'a percent is between 0 and 100' });
        break;
    }
  }
  return faults;
}
