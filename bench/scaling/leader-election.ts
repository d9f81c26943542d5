/**
 * Leader election, measured (issue #12): fail-over time after SIGKILL of the leader (bounded by the
 * Lease duration) and hand-over time after SIGTERM (the Lease is released), with `kopf run` processes
 * against the local API server. Default Lease timings (15 s / 10 s / 2 s). A measurement, not a test.
 *
 *   node bench/scaling/leader-election.ts [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyYaml, freshNamespace, startLocalCluster, waitForCrd } from '../../runtime/testing/index.ts';
import { handlerFile, spawnKopf, workDir, type KopfProcess } from '../../test/e2e/cli-kit.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const root = path.resolve(import.meta.dirname, '..', '..');

const cluster = await startLocalCluster({ progress: (line) => process.stderr.write(`${line}\n`) });
try {
  const kc = cluster.kubeConfig();
  await applyYaml(kc, readFileSync(path.join(root, 'crds', 'kopfexamples.yaml'), 'utf8'));
  await waitForCrd(kc, 'kopfexamples.kopf.dev');
  const ns = await freshNamespace(kc, 'bench-lead');
  const file = handlerFile(workDir('kopf-bench-lead-'), 'kopf.on.create(examples, function create() {});');
  const replica = (id: string): KopfProcess =>
    spawnKopf(
      [
        'run',
        '--standalone',
        '-n',
        ns.name,
        '--leader-elect',
        '--lease-namespace',
        ns.name,
        '--id',
        id,
        file,
      ],
      {
        KUBECONFIG: cluster.kubeconfig,
      },
    );
  /** Milliseconds from now until `replica` logs that it acquired the Lease. */
  const acquired = async (standby: KopfProcess, since: number): Promise<number> => {
    await standby.waitForLine('Acquired the Lease', 120_000);
    return Date.now() - since;
  };
  const failovers: number[] = [];
  const handovers: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const leader = replica(`a${round}`);
    await leader.waitForLine('Acquired the Lease');
    const standby = replica(`b${round}`);
    await standby.waitForLine('Standing by');
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    failovers.push(await acquired(standby, killedAt));
    const next = replica(`c${round}`);
    await next.waitForLine('Standing by');
    const stoppedAt = Date.now();
    const stopping = standby.stop();
    handovers.push(await acquired(next, stoppedAt));
    await stopping;
    await next.stop();
    process.stderr.write(
      `round ${round + 1}: fail-over ${failovers.at(-1)} ms, hand-over ${handovers.at(-1)} ms\n`,
    );
  }
  const summary = (ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return `median ${sorted[Math.floor(sorted.length / 2)]} ms (min ${sorted[0]}, max ${sorted.at(-1)})`;
  };
  process.stdout.write(
    `leader election, ${rounds} rounds, Lease 15 s / renew 10 s / retry 2 s:\n` +
      `  fail-over after SIGKILL of the leader: ${summary(failovers)}\n` +
      `  hand-over after SIGTERM (Lease released): ${summary(handovers)}\n`,
  );
  await ns.delete();
} finally {
  await cluster.stop();
}
