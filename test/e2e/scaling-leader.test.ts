/**
 * `kopf run --leader-elect`: replicas as separate processes compete for one Lease; only the holder
 * handles objects. A killed leader is replaced after the Lease expires; a gracefully stopped one
 * releases the Lease so a standby takes over at once; a twin identity and a missing Lease permission
 * are clear errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { generate } from '../../generator/generate.ts';
import { LEASES } from '../../runtime/reactor/leadership/leases.ts';
import { applyYaml, eventually } from '../../runtime/testing/index.ts';
import { ROOT } from './cli-kit.ts';
import {
  client,
  EXAMPLES,
  RECORDING_HANDLERS,
  installScalingCrds,
  scene,
  serviceAccountKubeconfigFile,
  kc,
  type Scene,
} from './scaling-kit.ts';

/** The recording handlers, plus Lease timings from `$LEASE_SECONDS` (set in a startup handler). */
const HANDLERS = `${RECORDING_HANDLERS}
kopf.on.startup(function leaseTimings({ settings }: { settings: kopf.OperatorSettings }) {
  const seconds = Number(process.env.LEASE_SECONDS);
  Object.assign(settings.scaling, { leaseDuration: seconds, renewDeadline: Math.max(1, seconds / 2), retryPeriod: 1 });
});
`;

let current: Scene | undefined;
beforeAll(installScalingCrds);
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

function leaderArgs(s: Scene, id: string): string[] {
  return ['--standalone', '--leader-elect', '--lease-namespace', s.ns, '--id', id];
}

test('only the leader works; when it is killed, the standby takes over after the Lease expires', async () => {
  const s = (current = await scene('lead-kill', HANDLERS, { LEASE_SECONDS: '5' }));
  const first = s.start('r1', leaderArgs(s, 'r1'));
  await first.waitForLine('Acquired the Lease');
  const second = s.start('r2', leaderArgs(s, 'r2'));
  await second.waitForLine('Standing by: the Lease');
  await s.create('one');
  await s.recorded('end r1 one');
  // Killed after the outcome is persisted (the diff-base is written last): a kill before that may
  // rightly run the handler again on the new leader.
  await eventually(async () => {
    const one = await client.get(EXAMPLES, s.ns, 'one');
    return one.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration'] !== undefined;
  });

  first.child.kill('SIGKILL');
  await s.create('two');
  await second.waitForLine('Acquired the Lease');
  await s.recorded('end r2 two');
  // 'one' was finished by r1: the new leader's listing does not run its handler again.
  expect(s.runs().filter((line) => line.startsWith('start '))).toEqual(['start r1 one', 'start r2 two']);
});

test('a leader stopped gracefully releases the Lease: the standby takes over without waiting for expiry', async () => {
  // The Lease would be valid for 10 minutes: only the release can explain a take-over within the test.
  const s = (current = await scene('lead-term', HANDLERS, { LEASE_SECONDS: '600' }));
  const first = s.start('r1', leaderArgs(s, 'r1'));
  await first.waitForLine('Acquired the Lease');
  const second = s.start('r2', leaderArgs(s, 'r2'));
  await second.waitForLine('Standing by: the Lease');

  expect(await first.stop()).toBe(0);
  expect(first.lines.join('\n')).toContain('Released the Lease');
  await second.waitForLine('Acquired the Lease');
  await s.create('one');
  await s.recorded('end r2 one');
});

test('a second replica with the same --id fails with a clear error instead of a split brain', async () => {
  const s = (current = await scene('lead-twin', HANDLERS, { LEASE_SECONDS: '10' }));
  const first = s.start('r1', leaderArgs(s, 'twin'));
  await first.waitForLine('Acquired the Lease');
  const second = s.start('r2', leaderArgs(s, 'twin'));
  expect(await second.exited).toBe(1);
  expect(second.lines.join('\n')).toContain(
    "Another replica with the same identity 'twin' holds the Lease " + `${s.ns}/kopf-leader-default`,
  );
  expect(first.child.exitCode).toBeNull(); // the first one keeps leading
  await s.create('one');
  await s.recorded('end r1 one');
});

test('without permission on Leases, the operator exits naming the missing RBAC rule', async () => {
  const s = (current = await scene('lead-rbac', HANDLERS, { LEASE_SECONDS: '10' }));
  const kubeconfig = await serviceAccountKubeconfigFile(kc, s.ns, 'no-leases');
  const replica = s.start('r1', leaderArgs(s, 'r1'), { KUBECONFIG: kubeconfig });
  expect(await replica.exited).toBe(1);
  expect(replica.lines.join('\n')).toContain(
    `Missing RBAC rule in namespace ${s.ns}: apiGroups ["coordination.k8s.io"], resources ["leases"], verbs ["get"]`,
  );
});

test('the Lease rules kopf-gen emits for --replicas 2 are all that leader election needs, and each is needed', async () => {
  const s = (current = await scene('lead-min', HANDLERS, { LEASE_SECONDS: '10' }));
  // The project's directory name is its ServiceAccount's and roles' name: unique per run.
  const project = path.join(mkdtempSync(path.join(tmpdir(), 'kopf-lease-rbac-')), s.ns);
  await generate({ inputs: [path.join(ROOT, 'crds')], outDir: project, namespace: s.ns, replicas: 2 });
  await applyYaml(kc, readFileSync(path.join(project, 'deploy', 'rbac.yaml'), 'utf8'));
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  try {
    const role = await rbac.readNamespacedRole({ name: s.ns, namespace: s.ns });
    const leases = role.rules!.find((rule) => rule.resources?.includes('leases'))!;
    expect(leases.verbs).toEqual(['create', 'get', 'update']);
    const kubeconfig = await serviceAccountKubeconfigFile(kc, s.ns, s.ns);
    const withLeaseVerbs = async (verbs: string[]) => {
      const rules = role.rules!.map((rule) => (rule === leases ? { ...rule, verbs } : rule));
      await rbac.replaceNamespacedRole({
        name: s.ns,
        namespace: s.ns,
        body: { metadata: { name: s.ns, namespace: s.ns }, rules },
      });
    };
    const run = () => s.start('r1', leaderArgs(s, 'r1'), { KUBECONFIG: kubeconfig });

    // All three: the Lease is created, held, and released at the stop (it stays, without a holder).
    const full = run();
    await full.waitForLine('Acquired the Lease');
    expect(await full.stop()).toBe(0);
    // Without update, the existing Lease cannot be taken; without get, nothing; without create (no Lease), nothing.
    for (const [missing, prepare] of [
      ['update', async () => undefined],
      ['get', async () => undefined],
      ['create', () => client.delete(LEASES, s.ns, 'kopf-leader-default')],
    ] as const) {
      await prepare();
      await withLeaseVerbs(['create', 'get', 'update'].filter((verb) => verb !== missing));
      const replica = run();
      expect(await replica.exited).toBe(1);
      expect(replica.lines.join('\n')).toContain(`resources ["leases"], verbs ["${missing}"]`);
    }
  } finally {
    await rbac.deleteClusterRoleBinding({ name: s.ns }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: s.ns }).catch(() => undefined);
    rmSync(path.dirname(project), { recursive: true, force: true });
  }
});
