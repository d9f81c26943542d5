/** Timestamps as Kopf persists them: ISO-8601 UTC with microseconds and an explicit `+00:00`. */

/**
 * `2020-12-31T23:59:59.123456+00:00`; `micros` are the microseconds past the date's millisecond
 * (JS dates stop at milliseconds), 0 unless the time came from {@link preciseNow}.
 */
export function formatTimestamp(date: Date, micros = 0): string {
  const extra = String(Math.trunc(micros)).padStart(3, '0');
  return date.toISOString().replace(/\.(\d{3})Z$/, `.$1${extra}+00:00`);
}

/** A moment with microseconds: the Date (to compute with) and the text Kopf would persist. */
export interface PreciseTime {
  readonly date: Date;
  readonly text: string;
}

let lastMicros = 0;

/**
 * Now, to the microsecond, and strictly later than the previous call. Kopf stamps each handler's
 * `started` with its own `datetime.now(utc)` (microseconds, so handlers of one cycle differ); this
 * gives kopf-ts handlers the same distinct stamps. The wall clock gives the milliseconds, the
 * high-resolution clock the microseconds within them.
 */
export function preciseNow(): PreciseTime {
  let micros = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  const date = new Date(Math.floor(micros / 1000));
  return { date, text: formatTimestamp(date, micros % 1000) };
}

/**
 * Parse Kopf's timestamps: tz-aware (`+00:00`/`Z`) or naive (older Kopf versions; taken as UTC),
 * with any number of fractional digits (JS keeps milliseconds).
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/.exec(text.trim());
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(3, '0').slice(0, 3);
  const date = new Date(`${match[1]}.${fraction}${match[3] ?? 'Z'}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
