import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import { validateCalendarYear, type WorkingCalendar } from '@lienthong/calendar';
import type { CalendarYearSet } from '../events.js';

/** A year set by an admin, as the replica keeps it. */
export interface AdminCalendarYear {
  readonly year: number;
  readonly holidays: string[];
  readonly workingDays: string[];
  readonly setAt: string;
  readonly actor: string;
}

export interface CalendarReplica {
  /** Run it with `platform.projection(replica.projection, feed?)` (store feed in the catalog, bus feed elsewhere). */
  readonly projection: Projection;
  /** Applies the years stored in the read model to the calendar: call once after the runner starts. */
  load(db: Database): void;
  /** The admin's data for a year, or null when the year is shipped data or the lunar default. */
  adminYear(db: Database, year: number): AdminCalendarYear | null;
}

interface Row {
  year: number;
  holidays: string;
  working_days: string;
  set_at: string;
  actor: string;
  position: number;
}

/**
 * Keeps an in-memory `WorkingCalendar` in step with `CalendarYearSet` events: each event
 * becomes a `calendar.setYear`, and the years are stored in a small table so a restart
 * restores them (`load`) without replaying history. Generic: the catalog feeds it from its
 * store; the dossiers service can feed it from the bus under another name.
 *
 * A calendar year only moves forward: an event older (by global position) than the one already
 * applied for its year is stored but not applied, so a side-by-side rebuild replaying history
 * does not briefly put old data back into the live calendar. An event whose data does not
 * validate (never written by the catalog, which validates first) is skipped.
 */
export function createCalendarReplica(calendar: WorkingCalendar, options: { readonly name: string }): CalendarReplica {
  const appliedPosition = new Map<number, number>();

  function applyToCalendar(year: number, holidays: readonly string[], workingDays: readonly string[], position: number): void {
    if ((appliedPosition.get(year) ?? 0) >= position) return;
    const result = validateCalendarYear(year, { holidays, workingDays });
    if (!result.success) return;
    calendar.setYear(result.data);
    appliedPosition.set(year, position);
  }

  const toYear = (r: Row): AdminCalendarYear => ({
    year: r.year,
    holidays: JSON.parse(r.holidays) as string[],
    workingDays: JSON.parse(r.working_days) as string[],
    setAt: r.set_at,
    actor: r.actor,
  });

  return {
    projection: {
      name: options.name,
      version: 1,
      streamPrefixes: ['calendar-'],
      init(db) {
        db.exec(`CREATE TABLE calendar_years (year INTEGER PRIMARY KEY, holidays TEXT NOT NULL, working_days TEXT NOT NULL,
          set_at TEXT NOT NULL, actor TEXT NOT NULL, position INTEGER NOT NULL)`);
      },
      apply(db: Database, event: RecordedEvent) {
        if (event.type !== 'CalendarYearSet') return;
        const { year, holidays, workingDays } = (event as RecordedEvent<'CalendarYearSet', CalendarYearSet['data']>).data;
        statement(db, 'INSERT OR REPLACE INTO calendar_years VALUES (?, ?, ?, ?, ?, ?)').run(
          year,
          JSON.stringify(holidays),
          JSON.stringify(workingDays),
          event.metadata.at,
          event.metadata.actor,
          event.position,
        );
        applyToCalendar(year, holidays, workingDays, event.position);
      },
    },
    load(db) {
      for (const r of statement(db, 'SELECT * FROM calendar_years ORDER BY year').all() as Row[]) {
        applyToCalendar(r.year, JSON.parse(r.holidays) as string[], JSON.parse(r.working_days) as string[], r.position);
      }
    },
    adminYear(db, year) {
      const row = statement(db, 'SELECT * FROM calendar_years WHERE year = ?').get(year) as Row | undefined;
      return row ? toYear(row) : null;
    },
  };
}
