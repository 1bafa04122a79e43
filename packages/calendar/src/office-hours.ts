import { z } from 'zod';
import { DAY_MS } from './civil-date.js';

/** One opening of the office on a working day, Vietnam local clock, `HH:MM` (end exclusive). */
export interface OfficeSession {
  readonly start: string;
  readonly end: string;
}

/**
 * When the office counts working time, on every working day alike. Sessions are in
 * Vietnam local time (UTC+7), ordered and disjoint; a working day lasts their total
 * (8 hours with the default).
 */
export interface OfficeHours {
  readonly sessions: readonly OfficeSession[];
}

/** 07:00–11:30 and 13:30–17:00: the common schedule of Vietnamese state agencies, 8 hours. */
export const DEFAULT_OFFICE_HOURS: OfficeHours = Object.freeze({
  sessions: Object.freeze([Object.freeze({ start: '07:00', end: '11:30' }), Object.freeze({ start: '13:30', end: '17:00' })]),
});

const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM (00:00–24:00)');

/** Zod schema of {@link OfficeHours}; checks order and overlap too. */
export const officeHoursSchema = z
  .object({
    sessions: z.array(z.object({ start: hhmm, end: hhmm })).min(1, 'at least one session'),
  })
  .superRefine((value, ctx) => {
    let previousEnd = -1;
    value.sessions.forEach((session, i) => {
      const start = minutesOf(session.start);
      const end = minutesOf(session.end);
      if (end <= start) {
        ctx.addIssue({ code: 'custom', path: ['sessions', i], message: `session ${session.start}–${session.end} ends before it starts` });
      }
      if (start < previousEnd) {
        ctx.addIssue({
          code: 'custom',
          path: ['sessions', i],
          message: `session ${session.start}–${session.end} overlaps or precedes the previous one`,
        });
      }
      previousEnd = Math.max(previousEnd, end);
    });
  });

/** Sessions as millisecond offsets from local midnight, ready for arithmetic. */
export interface CompiledOfficeHours {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Working milliseconds in one working day. */
  readonly dayMs: number;
}

export function compileOfficeHours(hours: OfficeHours): CompiledOfficeHours {
  const parsed = officeHoursSchema.safeParse(hours);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new RangeError(`invalid office hours: ${detail}`);
  }
  const starts = parsed.data.sessions.map((s) => minutesOf(s.start) * 60_000);
  const ends = parsed.data.sessions.map((s) => minutesOf(s.end) * 60_000);
  let dayMs = 0;
  for (let i = 0; i < starts.length; i++) dayMs += (ends[i] ?? 0) - (starts[i] ?? 0);
  if (dayMs <= 0 || dayMs > DAY_MS) throw new RangeError('invalid office hours: empty day');
  return { starts, ends, dayMs };
}

function minutesOf(text: string): number {
  const [h, m] = text.split(':');
  return Number(h) * 60 + Number(m);
}
