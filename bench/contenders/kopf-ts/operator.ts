/**
 * The kopf-ts contender: one create handler returning a small result (→ status.created), run by the
 * kopf-ts CLI from source with its default settings:
 *   node runtime/cli/main.ts run --standalone -A bench/contenders/kopf-ts/operator.ts
 */
import { renameSync, writeFileSync } from 'node:fs';
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

// Diagnostics for the memory measure (only with BENCH_MEMORY_LOG=1): where the RSS is.
if (process.env['BENCH_MEMORY_LOG']) {
  setInterval(() => {
    const m = process.memoryUsage();
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    process.stderr.write(
      `bench-memory rss=${mib(m.rss)} heapTotal=${mib(m.heapTotal)} heapUsed=${mib(m.heapUsed)} external=${mib(m.external)} arrayBuffers=${mib(m.arrayBuffers)}\n`,
    );
  }, 5000).unref();
}
