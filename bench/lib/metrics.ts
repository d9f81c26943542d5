/** apiserver_request_total from the apiserver's /metrics: API calls by verb and resource. */

export type RequestCounts = Map<string, number>;

/**
 * Parse `apiserver_request_total{...}` into counts keyed `VERB resource[/subresource]` (codes and
 * scopes summed). Only our group's resources and events matter for the bench; everything is kept.
 */
export function parseRequestTotals(text: string): RequestCounts {
  const out: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const match of line
      .slice('apiserver_request_total{'.length, close)
      .matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[match[1]!] = match[2]!;
    }
    const value = Number(line.slice(close + 1).trim());
    const resource = labels['resource'] || '(none)';
    const key = `${labels['verb']} ${resource}${labels['subresource'] ? '/' + labels['subresource'] : ''}`;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

/** after − before − ours, keeping positive entries only. */
export function deltaCounts(
  before: RequestCounts,
  after: RequestCounts,
  ours: Map<string, number> = new Map(),
): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0) - (ours.get(key) ?? 0);
    if (delta > 0) out.set(key, delta);
  }
  return out;
}
