/**
 * The Lease rules kopf-gen emits for `--sharded` are all that sharding needs, and each is needed (as
 * scaling-leader.test.ts proves for leader election's): with the generated Role, two replicas share
 * the objects and the sharder removes a stopped member's Lease; without any one verb, a replica fails
 * naming the missing rule.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generate } from '../../generator/generate.ts';
import { LEASES } from '../../runtime/reactor/leadership/leases.ts';
import { applyYaml, eventually } from '../../runtime/testing/index.ts';
import { ROOT, type KopfProcess } from './cli-kit.ts';
import {
  client,
  installScalingCrds,
  kc,
  scene,
  serviceAccountKubeconfigFile,
  type Scene,
} from './scaling-kit.ts';

const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
let s: Scene;
let project: string;
let kubeconfig: string;
let role: V1PolicyRule[];

beforeAll(async () => {
  await installScalingCrds();
  s = await scene('shard-rbac');
  // The project's directory name is its ServiceAccount's and roles' name: unique per run.
  project = path.join(mkdtempSync(path.join(tmpdir(), 'kopf-shard-rbac-')), s.ns);
  await generate({
    inputs: [path.join(ROOT, 'crds')],
    outDir: project,
    namespace: s.ns,
    replicas: 2,
    sharded: true,
  });
  await applyYaml(kc, readFileSync(path.join(project, 'deploy', 'rbac.yaml'), 'utf8'));
  role = (await rbac.readNamespacedRole({ name: s.ns, namespace: s.ns })).rules!;
  kubeconfig = await serviceAccountKubeconfigFile(kc, s.ns, s.ns);
});

afterAll(async () => {
  await s?.cleanup();
  await rbac.deleteClusterRoleBinding({ name: s.ns }).catch(() => undefined);
  await rbac.deleteClusterRole({ name: s.ns }).catch(() => undefined);
  if (project) rmSync(path.dirname(project), { recursive: true, force: true });
});

/** A replica with the generated ServiceAccount's token only. */
function replica(id: string): KopfProcess {
  const args = ['--standalone', '--sharded', '--lease-namespace', s.ns, '--id', id];
  return s.start(id, args, { KUBECONFIG: kubeconfig });
}

function leaseRule(): V1PolicyRule {
  return role.find((rule) => rule.resources?.includes('leases'))!;
}

/** The generated Role with these verbs on Leases. */
async function withLeaseVerbs(verbs: string[]): Promise<void> {
  const rules = role.map((rule) => (rule === leaseRule() ? { ...rule, verbs } : rule));
  const metadata = { name: s.ns, namespace: s.ns };
  await rbac.replaceNamespacedRole({ name: s.ns, namespace: s.ns, body: { metadata, rules } });
}

/** Two members; the first to start is the sharder (it wins the sharder's Lease while alone). */
async function twoMembers(): Promise<[KopfProcess, KopfProcess]> {
  const first = replica('r1');
  await first.waitForLine('Sharding the objects among the members');
  const second = replica('r2');
  await first.waitForLine('has 2 member(s)');
  return [first, second];
}

const ALL = ['create', 'delete', 'get', 'list', 'update'];
const missingRule = (verb: string) =>
  `Missing RBAC rule in namespace ${s.ns}: apiGroups ["coordination.k8s.io"], resources ["leases"], verbs ["${verb}"]`;

test('kopf-gen --sharded grants Leases create, delete, get, list, update — and with them, sharding works', async () => {
  expect(leaseRule().verbs).toEqual(ALL);
  const [first, second] = await twoMembers();
  await s.create('one');
  await eventually(() => s.runs().some((line) => /^end r[12] one$/.test(line)), {
    what: `'one' handled: ${s.runs().join(' | ')}`,
  });
  // The released Lease of a stopped member is deleted by the sharder: its objects move at once.
  expect(await second.stop()).toBe(0);
  await first.waitForLine(`The member Lease ${s.ns}/kopf-shard-default-r2 was released`);
  expect(await first.stop()).toBe(0);
});

/**
 * The membership's and the sharder election's verbs, and what makes each one the first missing: get
 * comes first; update takes over the Leases left by the runs above (released, not deleted); create is
 * needed where there is no Lease yet.
 */
const ELECTION_VERBS: Array<[verb: string, prepare: () => Promise<void>]> = [
  ['get', async () => undefined],
  ['update', async () => undefined],
  [
    'create',
    async () => {
      await client.delete(LEASES, s.ns, 'kopf-shard-default-r1');
      await client.delete(LEASES, s.ns, 'kopf-sharder-default');
    },
  ],
];

test.each(ELECTION_VERBS)(
  'without %s on Leases, a sharded replica exits naming the rule',
  async (verb, prepare) => {
    await prepare();
    await withLeaseVerbs(ALL.filter((v) => v !== verb));
    const lonely = replica('r1');
    expect(await lonely.exited).toBe(1);
    expect(lonely.lines.join('\n')).toContain(missingRule(verb));
  },
);

test('without list on Leases, the sharder cannot see the ring, and says which rule is missing', async () => {
  await withLeaseVerbs(ALL.filter((v) => v !== 'list'));
  const sharder = replica('r1');
  await sharder.waitForLine(missingRule('list'));
  await sharder.stop();
});

test('without delete on Leases, the sharder cannot remove a stopped member, and says which rule is missing', async () => {
  await withLeaseVerbs(ALL.filter((v) => v !== 'delete'));
  const [first, second] = await twoMembers();
  await second.stop();
  await first.waitForLine(missingRule('delete'));
  await first.stop();
});
