/** RBAC derived from the CRDs and from reading the handler code, merged and sorted like controller-gen. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load, loadAll } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeRules } from '../../generator/model/rbac.ts';
import { runCli } from './helpers.ts';

const GOLDEN = path.join(import.meta.dirname, 'golden');
let tmp: string;
let project: string;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Doc {
  kind: string;
  rules?: Rule[];
}

function roles(): Record<string, Rule[]> {
  const docs = loadAll(readFileSync(path.join(project, 'deploy/rbac.yaml'), 'utf8')) as Array<Doc | null>;
  return Object.fromEntries(docs.filter((d): d is Doc => !!d?.rules).map((d) => [d.kind, d.rules!]));
}

beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-rbac-'));
  project = path.join(tmp, 'op');
  mkdirSync(path.join(tmp, 'crds'));
  cpSync(path.join(GOLDEN, 'enums', 'crd.yaml'), path.join(tmp, 'crds', 'lamps.yaml'));
  cpSync(path.join(GOLDEN, 'versions', 'crd.yaml'), path.join(tmp, 'crds', 'engines.yaml'));
  expect((await runCli([path.join(tmp, 'crds'), '-o', project, '-q'])).code).toBe(0);
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('RBAC', () => {
  it('grants the runtime exactly what it needs per CRD, with no wildcards', () => {
    const { ClusterRole } = roles();
    expect(ClusterRole).toEqual([
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        verbs: ['list', 'watch'],
      },
      {
        apiGroups: ['example.com'],
        resources: ['engines', 'lamps'],
        verbs: ['list', 'patch', 'watch'],
      },
      { apiGroups: ['example.com'], resources: ['engines/status', 'lamps/status'], verbs: ['patch'] },
      {
        apiGroups: ['kopf.dev'],
        resources: ['clusterkopfpeerings'],
        verbs: ['list', 'patch', 'watch'],
      },
    ]);
    expect(readFileSync(path.join(project, 'deploy/rbac.yaml'), 'utf8')).not.toMatch(/'\*'|"\*"|- \*/);
  });

  it('`kopf-gen rbac` adds rules for what the handler code registers for and calls', async () => {
    writeFileSync(
      path.join(project, 'src/handlers/children.ts'),
      `import * as kopf from 'kopf-ts';
import { engines } from '../generated/example.com/engine.ts';

const deployments = kopf.resource({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true });

kopf.on.create('pods', async function podCreated({ logger }) {
  logger.info('pod');
});
kopf.on.update('ingresses.networking.k8s.io', async function ingressUpdated() {});

interface Client {
  create(resource: unknown, namespace: string, body: unknown): Promise<unknown>;
  delete(resource: unknown, namespace: string, name: string): Promise<void>;
}
export async function spawn(client: Client, cache: Map<string, string>): Promise<void> {
  cache.get('not a resource');
  await client.create(deployments, 'ns', {});
  await client.delete(deployments, 'ns', 'x');
  await client.create(engines, 'ns', {});
}
`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 files written/);
    const { ClusterRole } = roles();
    expect(ClusterRole).toContainEqual({
      apiGroups: [''],
      resources: ['pods'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole).toContainEqual({
      apiGroups: ['networking.k8s.io'],
      resources: ['ingresses'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole).toContainEqual({
      apiGroups: ['apps'],
      resources: ['deployments'],
      verbs: ['create', 'delete'],
    });
    expect(ClusterRole).toContainEqual({
      apiGroups: ['example.com'],
      resources: ['engines'],
      verbs: ['create', 'list', 'patch', 'watch'],
    });
    // Only rbac.yaml changed; a full regeneration agrees with it.
    const full = await runCli([path.join(tmp, 'crds'), '-o', project, '--check']);
    expect(full.code).toBe(0);
    // A module of the user's own that imports live generated types is not reported as orphaned.
    expect(full.stderr).not.toMatch(/no longer in the input/);
    expect((await runCli(['rbac', '-o', project, '--check'])).code).toBe(0);
  });

  it('a handler on `plural.version.group` gets its rule in the group, not in `version.group`', async () => {
    writeFileSync(
      path.join(project, 'src/handlers/versioned.ts'),
      `import * as kopf from 'kopf-ts';\nkopf.on.create('kopfexamples.v1.kopf.dev', async function versioned() {});\n`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.code, run.stderr).toBe(0);
    const { ClusterRole } = roles();
    // Peering needs the same verbs, so the merged rule names both resources of kopf.dev.
    expect(ClusterRole).toContainEqual({
      apiGroups: ['kopf.dev'],
      resources: ['clusterkopfpeerings', 'kopfexamples'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole!.flatMap((r) => r.apiGroups)).not.toContain('v1.kopf.dev');
  });

  it('resolves kinds, short names and versioned names of built-ins and CRDs as the runtime does', async () => {
    writeFileSync(
      path.join(project, 'src/handlers/names.ts'),
      `import * as kopf from 'kopf-ts';
kopf.on.create('deploy', async function byShortName() {});
kopf.on.update('CronJob', async function byKind() {});
kopf.on.event('lamp.v1.example.com', function bySingularAndVersion() {});
kopf.on.event('v1/configmaps', function byVersionAndPlural() {});
`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const { ClusterRole } = roles();
    expect(ClusterRole).toContainEqual({
      apiGroups: ['apps'],
      resources: ['deployments'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole).toContainEqual({
      apiGroups: ['batch'],
      resources: ['cronjobs'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole).toContainEqual({
      apiGroups: [''],
      resources: ['configmaps'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole!.flatMap((r) => r.apiGroups)).not.toContain('v1.example.com');
  });

  it('warns when a registration names a resource it cannot resolve', async () => {
    writeFileSync(
      path.join(project, 'src/handlers/odd.ts'),
      `import * as kopf from 'kopf-ts';
const which = process.env.RESOURCE ?? 'x';
kopf.on.create(which, async function odd() {});
kopf.on.create('engines.', async function malformed() {});
kopf.on.create('widgets', async function unknown() {});
`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.stderr).toMatch(
      /src\/handlers\/odd\.ts:3: cannot tell which resource `kopf\.on\.create` is registered for;/,
    );
    expect(run.stderr).toMatch(
      /odd\.ts:4: cannot tell which resource `kopf\.on\.create` is registered for \(Resource selector 'engines\.' is malformed: the group after the dot is empty\.\)/,
    );
    expect(run.stderr).toMatch(
      /odd\.ts:5: .*\('widgets' is neither a built-in resource nor one of the CRDs\)/,
    );
  });

  it('warns that it cannot scope RBAC for resource queries, naming the line', async () => {
    writeFileSync(
      path.join(project, 'src/handlers/queries.ts'),
      `import * as kopf from 'kopf-ts';
kopf.on.event(kopf.EVERYTHING, async function everything() {});
kopf.on.create({ ...kopf.EVERYTHING, group: 'kopf.dev' }, async function inGroup() {});
kopf.timer({ category: 'all' }, async function byCategory() {}, { interval: 1 });
kopf.index({ where: (r) => r.kind === 'Pod' }, async function byPredicate() {});
`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.code).toBe(0);
    for (const [line, callee] of [
      [2, 'kopf.on.event'],
      [3, 'kopf.on.create'],
      [4, 'kopf.timer'],
      [5, 'kopf.index'],
    ] as const) {
      expect(run.stderr).toContain(
        `src/handlers/queries.ts:${line}: \`${callee}\` is registered for a resource query (kopf.EVERYTHING, a category or a \`where\` predicate): which resources it serves is known only at run time; grant list, watch, patch on them by hand`,
      );
    }
  });

  it('reads typed client-node calls: verb and resource from the method, group from the API class', async () => {
    expect((await runCli([path.join(tmp, 'crds'), '-o', project, '-q', '--namespace', 'shop'])).code).toBe(0);
    writeFileSync(
      path.join(project, 'src/handlers/clients.ts'),
      `import * as k8s from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import * as kopf from 'kopf-ts';

const kc = new KubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

class Children {
  private readonly net = kc.makeApiClient(k8s.NetworkingV1Api);
  constructor(private readonly apps: AppsV1Api) {}
  async run(policies: k8s.PolicyV1Api, unknown: { listNamespacedThing(o: object): void }) {
    await this.apps.patchNamespacedDeploymentScale({ name: 'x', namespace: 'y', body: {} });
    await this.net.createNamespacedIngress({ namespace: 'y', body: {} });
    await policies.deleteCollectionNamespacedPodDisruptionBudget({ namespace: 'y' });
    unknown.listNamespacedThing({});
  }
}

kopf.on.create(kopf.builtins.deployments, async function created({ name, namespace }) {
  await core.createNamespacedPod({ namespace: namespace!, body: {} });
  await core.readNamespacedPodStatus({ name, namespace: namespace! });
  await core.replaceNamespacedEndpoints({ name, namespace: namespace!, body: {} });
  await core.listPodForAllNamespaces();
  await core.deleteNamespace({ name });
  await batch.createNamespacedJob({ namespace: namespace!, body: {} });
  await kc.makeApiClient(k8s.RbacAuthorizationV1Api).createNamespacedRoleBinding({ namespace: 'y', body: {} });
  await new k8s.CoordinationV1Api().readNamespacedLease({ name, namespace: 'y' });
  await custom.patchNamespacedCustomObjectStatus({ group: 'example.com', version: 'v1', namespace: 'y', plural: 'widgets', name, body: {} });
  await custom.listClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'gadgets' });
  'text'.replaceAll('a', 'b');
  new Children(kc.makeApiClient(AppsV1Api));
});
kopf.on.event(kopf.builtins.nodes, function nodeEvent() {});
kopf.on.startup(function started() {});
kopf.on.cleanup(function cleaned() {});
kopf.on.login(function login() { return undefined as never; });
kopf.on.probe(function probed() { return 1; });
kopf.index(kopf.builtins.secrets, function secretIndex() {});
kopf.timer(kopf.builtins.jobs, function jobTimer() {}, { interval: 1 });
kopf.daemon(kopf.builtins.statefulsets, async function statefulDaemon() {});
`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.code, run.stderr).toBe(0);
    // No warning for activities, nor for an object that is no client-node client.
    expect(run.stderr).not.toMatch(/kopf\.on\.(startup|cleanup|login|probe)/);
    expect(run.stderr).not.toMatch(/listNamespacedThing|replaceAll/);
    const { ClusterRole, Role } = roles();
    expect(Role).toEqual([
      { apiGroups: [''], resources: ['endpoints'], verbs: ['update'] },
      { apiGroups: [''], resources: ['events', 'pods'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'patch', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['list', 'patch', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list', 'patch', 'watch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] },
      { apiGroups: ['example.com'], resources: ['engines'], verbs: ['list', 'patch', 'watch'] },
      { apiGroups: ['example.com'], resources: ['engines/status', 'widgets/status'], verbs: ['patch'] },
      { apiGroups: ['kopf.dev'], resources: ['kopfpeerings'], verbs: ['list', 'patch', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['create'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['deletecollection'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] },
    ]);
    // Cluster-scoped kinds and all-namespace lists go to the ClusterRole even with --namespace.
    expect(ClusterRole).toContainEqual({ apiGroups: [''], resources: ['namespaces'], verbs: ['delete'] });
    expect(ClusterRole).toContainEqual({
      apiGroups: [''],
      resources: ['nodes'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['list'] });
    expect(ClusterRole).toContainEqual({
      apiGroups: ['example.com'],
      resources: ['gadgets'],
      verbs: ['list'],
    });
  });

  it("warns (and still succeeds) when a client-node call's group or resource cannot be told", async () => {
    writeFileSync(
      path.join(project, 'src/handlers/vague.ts'),
      `import { CustomObjectsApi, KubeConfig, type CoreV1Api } from '@kubernetes/client-node';
import { core } from './clients.ts';
const custom = new KubeConfig().makeApiClient(CustomObjectsApi);
export async function go(plural: string, typed: CoreV1Api) {
  await core.createNamespacedPod({ namespace: 'x', body: {} });
  await custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'x', plural, body: {} });
  await typed.createNamespacedService({ namespace: 'x', body: {} });
}
`,
    );
    const run = await runCli(['rbac', '-o', project]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /vague\.ts:5: cannot tell the API group of `core\.createNamespacedPod\(\)`.*add RBAC for `pods: create` by hand/,
    );
    expect(run.stderr).toMatch(
      /vague\.ts:6: cannot tell which resource `custom\.createNamespacedCustomObject\(\)` is for/,
    );
    expect(roles().ClusterRole).toContainEqual({
      apiGroups: [''],
      resources: ['events', 'services'],
      verbs: ['create'],
    });
  });

  it('--namespace moves namespaced rules into a Role and drops cluster-wide namespace watching', async () => {
    expect((await runCli([path.join(tmp, 'crds'), '-o', project, '-q', '--namespace', 'shop'])).code).toBe(0);
    const { ClusterRole, Role } = roles();
    expect(Role).toEqual([
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: ['example.com'], resources: ['engines'], verbs: ['list', 'patch', 'watch'] },
      { apiGroups: ['example.com'], resources: ['engines/status'], verbs: ['patch'] },
      { apiGroups: ['kopf.dev'], resources: ['kopfpeerings'], verbs: ['list', 'patch', 'watch'] },
    ]);
    // lamps are cluster-scoped: served cluster-wide, with the cluster peering.
    expect(ClusterRole).toContainEqual({
      apiGroups: ['example.com'],
      resources: ['lamps'],
      verbs: ['list', 'patch', 'watch'],
    });
    expect(ClusterRole!.some((r) => r.resources.includes('namespaces'))).toBe(false);
    const deployment = load(readFileSync(path.join(project, 'deploy/deployment.yaml'), 'utf8')) as {
      spec: {
        strategy: { type: string };
        replicas: number;
        template: { spec: { containers: Array<{ args: string[] }> } };
      };
    };
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(deployment.spec.template.spec.containers[0]!.args).toEqual(['--namespace=shop']);
  });
});

describe('mergeRules', () => {
  it('unions verbs per resource, then joins resources, then groups; sorted', () => {
    const rules = mergeRules([
      { scope: 'cluster', group: 'b', resource: 'xs', verbs: ['watch', 'list'], reason: '' },
      { scope: 'cluster', group: 'a', resource: 'xs', verbs: ['list', 'watch'], reason: '' },
      { scope: 'cluster', group: 'a', resource: 'ys', verbs: ['watch'], reason: '' },
      { scope: 'cluster', group: 'a', resource: 'ys', verbs: ['list'], reason: '' },
      { scope: 'cluster', group: 'a', resource: 'zs', verbs: ['create'], reason: '' },
      { scope: 'cluster', group: 'c', resource: 'zs', verbs: ['create'], reason: '' },
    ]);
    expect(rules).toEqual([
      { apiGroups: ['a'], resources: ['xs', 'ys'], verbs: ['list', 'watch'] },
      { apiGroups: ['a', 'c'], resources: ['zs'], verbs: ['create'] },
      { apiGroups: ['b'], resources: ['xs'], verbs: ['list', 'watch'] },
    ]);
  });
});

describe('scaling: --replicas and --deploy-namespace', () => {
  interface Deployed {
    kind: string;
    metadata: { namespace?: string };
    spec: {
      replicas?: number;
      strategy?: { type: string; rollingUpdate?: unknown };
      maxUnavailable?: number;
      template?: { spec: { containers: Array<{ args: string[]; env?: Array<{ name: string }> }> } };
    };
  }
  const deployed = () =>
    loadAll(readFileSync(path.join(project, 'deploy/deployment.yaml'), 'utf8')) as Deployed[];
  const LEASES = {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['create', 'get', 'update'],
  };

  it('one replica: no Lease rules, no PodDisruptionBudget, no leader election', () => {
    expect(JSON.stringify(roles())).not.toContain('leases');
    expect(deployed().map((d) => d.kind)).toEqual(['Deployment']);
  });

  it('replicas > 1 elect a leader: Lease rules in the namespace it runs in, a PodDisruptionBudget, the pod identity', async () => {
    const args = [
      path.join(tmp, 'crds'),
      '-o',
      project,
      '-q',
      '--replicas',
      '3',
      '--deploy-namespace',
      'ops',
    ];
    expect((await runCli(args)).code).toBe(0);
    const docs = loadAll(readFileSync(path.join(project, 'deploy/rbac.yaml'), 'utf8')) as Array<
      Doc & { metadata: { namespace?: string } }
    >;
    const role = docs.find((d) => d.kind === 'Role')!;
    expect(role.metadata.namespace).toBe('ops');
    expect(role.rules).toEqual([LEASES]);
    expect(JSON.stringify(roles().ClusterRole)).not.toContain('leases');
    const [deployment, budget] = deployed();
    expect(deployment!.metadata.namespace).toBe('ops');
    expect(deployment!.spec.replicas).toBe(3);
    expect(deployment!.spec.strategy!.type).toBe('RollingUpdate');
    const container = deployment!.spec.template!.spec.containers[0]!;
    expect(container.args).toEqual(['--all-namespaces', '--leader-elect']);
    expect(container.env!.map((e) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE']);
    expect(budget).toMatchObject({ kind: 'PodDisruptionBudget', spec: { maxUnavailable: 1 } });
    // Remembered: a bare rerun keeps the choices.
    expect(JSON.parse(readFileSync(path.join(project, 'kopf-gen.json'), 'utf8'))).toMatchObject({
      replicas: 3,
      deployNamespace: 'ops',
    });
  });

  it('a namespaced operator keeps one Role: the Lease rules join the served namespace’s rules', async () => {
    const args = [path.join(tmp, 'crds'), '-o', project, '-q', '--namespace', 'shop', '--replicas', '2'];
    expect((await runCli(args)).code).toBe(0);
    expect(roles().Role).toContainEqual(LEASES);
    expect(deployed()[0]!.metadata.namespace).toBe('shop');
  });

  it('--sharded: every replica runs `--sharded`, with the membership, ring and sharder Lease rules, updated one ring change at a time', async () => {
    const args = [path.join(tmp, 'crds'), '-o', project, '-q', '--replicas', '3', '--sharded'];
    expect((await runCli(args)).code).toBe(0);
    const rules = roles();
    expect(rules.Role).toEqual([{ ...LEASES, verbs: ['create', 'delete', 'get', 'list', 'update'] }]);
    // The sharder assigns objects by labelling them: the served resources keep `patch`.
    expect(rules.ClusterRole).toContainEqual(
      expect.objectContaining({
        resources: expect.arrayContaining(['lamps']),
        verbs: ['list', 'patch', 'watch'],
      }),
    );
    const [deployment, budget] = deployed();
    expect(deployment!.spec.replicas).toBe(3);
    expect(deployment!.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const container = deployment!.spec.template!.spec.containers[0]!;
    expect(container.args).toEqual(['--all-namespaces', '--sharded']);
    expect(container.env!.map((e) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE']);
    expect(budget).toMatchObject({ kind: 'PodDisruptionBudget', spec: { maxUnavailable: 1 } });
    expect(JSON.parse(readFileSync(path.join(project, 'kopf-gen.json'), 'utf8'))).toMatchObject({
      replicas: 3,
      sharded: true,
    });
  });

  it('--sharded is remembered: a bare rerun is byte-identical, and --no-sharded goes back to leader election', async () => {
    const crds = path.join(tmp, 'crds');
    expect((await runCli([crds, '-o', project, '-q', '--replicas', '2', '--sharded'])).code).toBe(0);
    const files = ['deploy/rbac.yaml', 'deploy/deployment.yaml', 'kopf-gen.json'];
    const before = files.map((file) => readFileSync(path.join(project, file), 'utf8'));
    expect((await runCli([crds, '-o', project, '-q', '--check'])).code).toBe(0);
    expect((await runCli([crds, '-o', project, '-q'])).code).toBe(0);
    expect(files.map((file) => readFileSync(path.join(project, file), 'utf8'))).toEqual(before);

    expect((await runCli([crds, '-o', project, '-q', '--no-sharded'])).code).toBe(0);
    expect(deployed()[0]!.spec.template!.spec.containers[0]!.args).toEqual([
      '--all-namespaces',
      '--leader-elect',
    ]);
    expect(roles().Role).toEqual([LEASES]);
    expect(readFileSync(path.join(project, 'kopf-gen.json'), 'utf8')).not.toContain('sharded');
  });

  it('--sharded with one replica is a ring of one, ready to scale: Lease rules and `--sharded`, no PodDisruptionBudget', async () => {
    expect((await runCli([path.join(tmp, 'crds'), '-o', project, '-q', '--sharded'])).code).toBe(0);
    const [deployment, ...rest] = deployed();
    expect(deployment!.spec.template!.spec.containers[0]!.args).toEqual(['--all-namespaces', '--sharded']);
    expect(deployment!.spec.strategy!.type).toBe('RollingUpdate');
    expect(rest).toEqual([]);
    expect(JSON.stringify(roles().Role)).toContain('leases');
  });

  it('bad values are usage errors (exit code 2)', async () => {
    expect((await runCli([path.join(tmp, 'crds'), '-o', project, '--replicas', '0'])).code).toBe(2);
    expect(
      (await runCli([path.join(tmp, 'crds'), '-o', project, '--deploy-namespace', 'Not_A_Name'])).code,
    ).toBe(2);
  });
});
