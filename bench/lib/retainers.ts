/**
 * Who keeps an object's data alive: in a V8 .heapsnapshot, find the strings that contain a marker
 * (e.g. one object's name), count them, and print the retainer chain of each up to a GC root.
 * For diagnosis (bench/retention.ts), not for reports.
 *   node bench/lib/retainers.ts <file.heapsnapshot> <marker> [chains]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface RetentionReport {
  /** Total self size of all nodes. */
  totalBytes: number;
  /** Strings containing the marker, and their total self size. */
  copies: number;
  copiesBytes: number;
  /** Retainer chains (innermost first), one per distinct chain shape, most frequent first. */
  chains: Array<{ count: number; chain: string }>;
}

export function findRetainers(file: string, marker: string, maxChains = 12): RetentionReport {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { node_fields, node_types, edge_fields, edge_types } = snap.snapshot.meta;
  const nodeWidth = node_fields.length;
  const edgeWidth = edge_fields.length;
  const nType = node_fields.indexOf('type');
  const nName = node_fields.indexOf('name');
  const nSize = node_fields.indexOf('self_size');
  const nEdges = node_fields.indexOf('edge_count');
  const eType = edge_fields.indexOf('type');
  const eName = edge_fields.indexOf('name_or_index');
  const eTo = edge_fields.indexOf('to_node');
  const nodeTypes = node_types[0];
  const edgeTypes = edge_types[0];
  const nodeCount = snap.nodes.length / nodeWidth;

  // One reverse edge per node is enough for a chain (the first strong retainer found).
  const retainer = new Int32Array(nodeCount).fill(-1);
  const retainerEdge = new Int32Array(nodeCount).fill(-1);
  let totalBytes = 0;
  let edge = 0;
  for (let node = 0; node < nodeCount; node++) {
    totalBytes += snap.nodes[node * nodeWidth + nSize]!;
    const count = snap.nodes[node * nodeWidth + nEdges]!;
    for (let i = 0; i < count; i++, edge += edgeWidth) {
      const type = edgeTypes[snap.edges[edge + eType]!];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = snap.edges[edge + eTo]! / nodeWidth;
      if (retainer[to] === -1) {
        retainer[to] = node;
        retainerEdge[to] = edge;
      }
    }
  }

  const describeNode = (node: number): string => {
    const type = nodeTypes[snap.nodes[node * nodeWidth + nType]!] ?? '?';
    const name = snap.strings[snap.nodes[node * nodeWidth + nName]!] ?? '';
    if (type === 'object' || type === 'closure')
      return `${type === 'closure' ? 'ƒ ' : ''}${name.slice(0, 40)}`;
    return `(${type}${type === 'string' ? ` ${JSON.stringify(name.slice(0, 30))}` : ''})`;
  };
  const describeEdge = (at: number): string => {
    const type = edgeTypes[snap.edges[at + eType]!];
    const nameOrIndex = snap.edges[at + eName]!;
    return type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : `.${snap.strings[nameOrIndex]}`;
  };

  let copies = 0;
  let copiesBytes = 0;
  const chains = new Map<string, number>();
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeTypes[snap.nodes[node * nodeWidth + nType]!];
    if (type !== 'string' && type !== 'concatenated string' && type !== 'sliced string') continue;
    if (!(snap.strings[snap.nodes[node * nodeWidth + nName]!] ?? '').includes(marker)) continue;
    copies++;
    copiesBytes += snap.nodes[node * nodeWidth + nSize]!;
    const steps: string[] = [];
    const seen = new Set<number>();
    for (let at = node; retainer[at]! >= 0 && steps.length < 14 && !seen.has(at); at = retainer[at]!) {
      seen.add(at);
      // Array indexes differ between objects: the shape of the chain is what matters.
      steps.push(
        `${describeEdge(retainerEdge[at]!).replace(/^\[\d+\]$/, '[i]')} ← ${describeNode(retainer[at]!)}`,
      );
    }
    const chain = `${describeNode(node).replace(/".*"/, '"…"')} ${steps.join(' ')}`;
    chains.set(chain, (chains.get(chain) ?? 0) + 1);
  }
  return {
    totalBytes,
    copies,
    copiesBytes,
    chains: [...chains]
      .sort((a, b) => b[1] - a[1])
      .slice(0, maxChains)
      .map(([chain, count]) => ({ count, chain })),
  };
}

if (import.meta.main) {
  const [file, marker, chains] = process.argv.slice(2);
  if (!file || !marker)
    throw new Error('usage: node bench/lib/retainers.ts <file.heapsnapshot> <marker> [chains]');
  const report = findRetainers(file, marker, Number(chains ?? 12));
  process.stdout.write(
    `${(report.totalBytes / 2 ** 20).toFixed(1)} MiB in the heap; ${report.copies} strings contain ${JSON.stringify(marker)} ` +
      `(${report.copiesBytes} bytes); retainer chains:\n` +
      report.chains.map((c) => `${String(c.count).padStart(4)}×  ${c.chain}`).join('\n') +
      '\n',
  );
}
