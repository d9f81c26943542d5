/**
 * Leader election, measured (issue #12): fail-over time after SIGKILL of the leader (bounded by the
 * Lease duration) and hand-over time after SIGTERM (the Lease is released), with replicas of the
 * kopf-ts bench operator under `kopf run --leader-elect`. Default Lease timings (15 s / 10 s / 2 s).
 * A measurement, not a test. `npm run bench` runs it as the `leader-election` measure; alone, on a
 * local API server of its own:
 *
 *   node bench/scaling/leader-election.ts [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyYaml, startLocalCluster, waitForCrd } from '../../runtime/testing/index.ts';
import { spawnKopf, type KopfProcess } from '../../test/e2e/cli-kit.ts';
import { CRD_NAME, Kube } from '../lib/kube.ts';
import { median } from '../lib/session.ts';

export interface LeaderElectionResult {
  rounds: number;
  /** Per round: from SIGKILL of the leader until the standby logs that it acquired the Lease. */
  failoverMs: number[];
  /** Per round: from SIGTERM of the leader until the next standby acquired the released Lease. */
  handoverMs: number[];
}

export interface LeaderElectionOptions {
  kube: Kube;
  /** Admin kubeconfig for the replicas. */
  kubeconfig: string;
  rounds: number;
  log: (line: string) => void;
}

const OPERATOR = path.resolve(import.meta.dirname, '..', 'contenders', 'kopf-ts', 'operator.ts');

export async function measureLeaderElection(options: LeaderElectionOptions): Promise<LeaderElectionResult> {
  const { kube, rounds, log } = options;
  const ns = `bench-lead-${Date.now().toString(36)}`;
  await kube.createNamespace(ns);
  const started: KopfProcess[] = [];
  const replica = (id: string): KopfProcess => {
    const args = ['run', '--standalone', '-n', ns, '--leader-elect', '--lease-namespace', ns, '--id', id];
    const kopf = spawnKopf([...args, OPERATOR], { KUBECONFIG: options.kubeconfig });
    started.push(kopf);
    return kopf;
  };
  /** Milliseconds from `since` until `standby` logs that it acquired the Lease. */
  const acquired = async (standby: KopfProcess, since: number): Promise<number> => {
    await standby.waitForLine('Acquired the Lease', 120_000);
    return Date.now() - since;
  };
  const result: LeaderElectionResult = { rounds, failoverMs: [], handoverMs: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const leader = replica(`a${round}`);
      await leader.waitForLine('Acquired the Lease');
      const standby = replica(`b${round}`);
      await standby.waitForLine('Standing by');
      const killedAt = Date.now();
      leader.child.kill('SIGKILL');
      result.failoverMs.push(await acquired(standby, killedAt));
      const next = replica(`c${round}`);
      await next.waitForLine('Standing by');
      const stoppedAt = Date.now();
      const stopping = standby.stop();
      result.handoverMs.push(await acquired(next, stoppedAt));
      await stopping;
      await next.stop();
      log(
        `leader election round ${round + 1}: fail-over ${result.failoverMs.at(-1)} ms, hand-over ${result.handoverMs.at(-1)} ms`,
      );
    }
  } finally {
    await Promise.all(started.map((kopf) => kopf.stop(20_000)));
    await kube.deleteNamespace(ns);
  }
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
  const cluster = await startLocalCluster({ progress: (line) => process.stderr.write(`${line}\n`) });
  const kube = new Kube(cluster);
  try {
    const crd = readFileSync(path.resolve(import.meta.dirname, '..', 'crd.yaml'), 'utf8');
    await applyYaml(cluster.kubeConfig(), crd);
    await waitForCrd(cluster.kubeConfig(), CRD_NAME);
    const result = await measureLeaderElection({
      kube,
      kubeconfig: cluster.kubeconfig,
      rounds: Number(values.rounds),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const summary = (ms: number[]) =>
      `median ${median(ms)} ms (min ${Math.min(...ms)}, max ${Math.max(...ms)})`;
    process.stdout.write(
      `leader election, ${result.rounds} rounds, Lease 15 s / renew 10 s / retry 2 s:\n` +
        `  fail-over after SIGKILL of the leader: ${summary(result.failoverMs)}\n` +
        `  hand-over after SIGTERM (Lease released): ${summary(result.handoverMs)}\n`,
    );
  } finally {
    kube.close();
    await cluster.stop();
  }
}
