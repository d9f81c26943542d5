/**
 * Summarize a V8 .heapsnapshot: retained-by-type is too costly here, so self size and count by
 * constructor/type name, top entries. For finding what an idle operator keeps per object.
 *   node bench/lib/heapsnapshot.ts <file.heapsnapshot> [top]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

export function summarizeHeap(file: string, top = 30): string {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const by = new Map<string, { count: number; size: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!] ?? '?';
    const name =
      type === 'object' || type === 'closure' ? (snap.strings[snap.nodes[i + iName]!] ?? '?') : `(${type})`;
    const size = snap.nodes[i + iSize]!;
    total += size;
    const key = type === 'closure' ? `closure ${name}` : name.slice(0, 80);
    const entry = by.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += size;
    by.set(key, entry);
  }
  // Strings grouped by their first 40 characters: which kinds of text are kept per object.
  const texts = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    if (types[snap.nodes[i + iType]!] !== 'string') continue;
    const key = (snap.strings[snap.nodes[i + iName]!] ?? '').slice(0, 40).replace(/\s+/g, ' ');
    const entry = texts.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + iSize]!;
    texts.set(key, entry);
  }
  return [
    `heap ${file}: ${(total / 2 ** 20).toFixed(1)} MiB in ${snap.nodes.length / width} nodes; self size by constructor/type:`,
    ...[...by]
      .sort((a, b) => b[1].size - a[1].size)
      .slice(0, top)
      .map(
        ([name, e]) =>
          `${(e.size / 2 ** 20).toFixed(1).padStart(7)} MiB ${String(e.count).padStart(8)}×  ${name}`,
      ),
    'strings by their first 40 characters:',
    ...[...texts]
      .sort((a, b) => b[1].size - a[1].size)
      .slice(0, 15)
      .map(
        ([text, e]) =>
          `${(e.size / 2 ** 20).toFixed(1).padStart(7)} MiB ${String(e.count).padStart(8)}×  ${JSON.stringify(text)}`,
      ),
  ].join('\n');
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/lib/heapsnapshot.ts <file.heapsnapshot> [top]');
  process.stdout.write(summarizeHeap(file, Number(top ?? 30)) + '\n');
}
