/**
 * edXML dates and timestamps: vendors write `yyyy/MM/dd` or `dd/MM/yyyy` (optionally ` HH:mm:ss`),
 * mostly without a zone, meaning Vietnam time. Vietnam has kept +07:00 without DST since 1975.
 */

const VN_OFFSET_MINUTES = 7 * 60;

/**
 * The date formats senders write, each named (the name is what `variant.timestampFormat` records).
 * A new vendor's format is one more entry; the time of day and zone that may follow are common.
 */
const DATE_FORMATS = [
  { name: 'yyyy/MM/dd', pattern: /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})/, year: 1, month: 2, day: 3 },
  // C# gateways (`dd/MM/yyyy HH:mm:ss`, no zone: Asia/Ho_Chi_Minh) and other day-first senders.
  { name: 'dd/MM/yyyy', pattern: /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})/, year: 3, month: 2, day: 1 },
] as const;

export type DateOrder = (typeof DATE_FORMATS)[number]['name'];

const TIME = /^[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

interface Parsed {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly order: DateOrder;
  readonly rest: string;
}

function parseDatePart(input: string): Parsed | undefined {
  const s = input.trim();
  for (const f of DATE_FORMATS) {
    const m = f.pattern.exec(s);
    if (m) return { year: Number(m[f.year]), month: Number(m[f.month]), day: Number(m[f.day]), order: f.name, rest: s.slice(m[0].length) };
  }
  return undefined;
}

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Result of reading a date or timestamp: the ISO form and the order the sender used. */
export interface ReadDate {
  readonly iso: string;
  readonly order: DateOrder;
}

/** Reads `yyyy/MM/dd`, `dd/MM/yyyy` or `yyyy-MM-dd` into ISO `YYYY-MM-DD`; undefined when invalid. */
export function readDate(input: string): ReadDate | undefined {
  const p = parseDatePart(input);
  if (!p || p.rest.trim() !== '' || !validDay(p.year, p.month, p.day)) return undefined;
  return { iso: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`, order: p.order };
}

/**
 * Reads a timestamp into ISO 8601 with an offset, always expressed in Vietnam time (+07:00)
 * so the same instant always reads the same. A bare date means midnight.
 */
export function readTimestamp(input: string): ReadDate | undefined {
  const p = parseDatePart(input);
  if (!p || !validDay(p.year, p.month, p.day)) return undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let offset = VN_OFFSET_MINUTES;
  if (p.rest.trim() !== '') {
    const t = TIME.exec(p.rest);
    if (!t) return undefined;
    hour = Number(t[1]);
    minute = Number(t[2]);
    second = t[3] === undefined ? 0 : Number(t[3]);
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    const zone = t[4];
    if (zone !== undefined && zone !== 'Z') {
      const z = zone.replace(':', '');
      offset = (z.startsWith('-') ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
    } else if (zone === 'Z') {
      offset = 0;
    }
  }
  const instant = Date.UTC(p.year, p.month - 1, p.day, hour, minute, second) - offset * 60_000;
  return { iso: toVietnamIso(instant), order: p.order };
}

function vietnamParts(instant: number): [string, string] {
  const d = new Date(instant + VN_OFFSET_MINUTES * 60_000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return [date, time];
}

function toVietnamIso(instant: number): string {
  const [date, time] = vietnamParts(instant);
  return `${date}T${time}+07:00`;
}

/** ISO timestamp (any offset) → edXML canonical `yyyy/MM/dd HH:mm:ss` in Vietnam time. */
export function formatTimestamp(iso: string): string {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) throw new RangeError(`not an ISO timestamp: ${iso}`);
  const [date, time] = vietnamParts(instant);
  return `${date.replaceAll('-', '/')} ${time}`;
}

/** ISO date `YYYY-MM-DD` → edXML canonical `yyyy/MM/dd`. */
export function formatDate(iso: string): string {
  return iso.replaceAll('-', '/');
}
