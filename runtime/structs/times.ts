/** Timestamps as Kopf persists them: ISO-8601 UTC with microseconds and an explicit `+00:00`. */

/** `2020-12-31T23:59:59.123000+00:00` */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
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
