/**
 * The kopf-ts contender: one create handler returning a small result (→ status.created), run by the
 * kopf-ts CLI with its default settings — compiled by tsc, as deployed (bench/lib/contenders.ts); from
 * source it is the dev loop's
 *   node runtime/cli/main.ts run --standalone -A bench/contenders/kopf-ts/operator.ts
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import * as kopf from '../../../runtime/index.ts';

let handled = 0;

kopf.on.create('benchobjects.bench.kopf.dev', function created() {
  handled++;
  return { message: 'ok' };
});

// Bench plumbing, not operator logic: publish the number of handler runs so the runner can verify
// that a restarted operator ran no handlers.
const counterFile = process.env['BENCH_COUNTER_FILE'];
if (counterFile) {
  let published = -1;
  setInterval(() => {
    if (handled === published) return;
    published = handled;
    writeFileSync(counterFile + '.tmp', String(handled));
    renameSync(counterFile + '.tmp', counterFile);
  }, 200).unref();
}

// Diagnostics for the memory measures (only with BENCH_MEMORY_FILE): where the RSS is — process
// memory, V8's heap spaces (committed vs used: new space is the young generation), and the kernel's
// view (smaps: anonymous vs file-backed pages), written as JSON when asked with SIGWINCH. Only when
// asked: reading /proc/self/smaps every second allocated enough (~1 MB/s) to keep V8 from shrinking
// its young generation, which it does only when the allocation rate is low.
const memoryFile = process.env['BENCH_MEMORY_FILE'];
if (memoryFile) {
  process.on('SIGWINCH', () => {
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
    );
    const smaps = Object.fromEntries(
      readFileSync('/proc/self/smaps_rollup', 'utf8')
        .split('\n')
        .map((line) => /^(\w+):\s+(\d+) kB/.exec(line))
        .filter((m) => m !== null)
        .map((m) => [m[1]!, Number(m[2]) * 1024]),
    );
    writeFileSync(
      memoryFile + '.tmp',
      JSON.stringify({ usage: process.memoryUsage(), spaces, smaps, mappings: anonymousMappings() }),
    );
    renameSync(memoryFile + '.tmp', memoryFile);
  });
}

/**
 * Resident anonymous memory by kind of mapping: `[heap]` is glibc's main malloc arena (brk), 64 MiB
 * reservations are glibc's per-thread arenas, the rest is mostly V8's pages (256 KiB-aligned chunks).
 */
function anonymousMappings(): Record<string, number> {
  const sums: Record<string, number> = {};
  let kind = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (range) {
      const size = parseInt(range[2]!, 16) - parseInt(range[1]!, 16);
      const name = range[3]!;
      kind = name.startsWith('/')
        ? ''
        : name || (size === 64 * 2 ** 20 ? 'malloc arenas' : 'other anonymous');
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && kind) sums[kind] = (sums[kind] ?? 0) + Number(rss[1]) * 1024;
  }
  return sums;
}
