/**
 * The generated RBAC is minimal: for every verb of every rule of the examples' generated Role and
 * ClusterRole, the RBAC without it makes an example run fail observably — a "forbidden"/403 line in
 * the operator's log (usually with a step of the scenario that never completes: a handler that never
 * succeeds, an object never released) — or the verb is allow-listed below with the reason no test
 * covers it. A run failing for any other reason is no evidence.
 *
 * The variants run one after another in one namespace (the Role is edited in place; RBAC changes
 * are effective at once). A variant's run ends at its first permission problem (the evidence), so
 * its steps can wait as long as a busy machine needs: a failing variant costs its start and seconds.
 *
 * The examples run `--standalone`, except for the peering rules' proofs: those run with mandatory
 * peering (`--peering NAME`) on a KopfPeering of their own, so that no earlier run's record is on it.
 */
import { RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyYaml, freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import {
  assertBuilt,
  checkExpectations,
  expectationsOf,
  forceDelete,
  generateExamplesRbac,
  runExample,
  runScenario,
  serviceAccountKubeconfigFile,
  type ExampleProcess,
  type GeneratedRbac,
  type RbacRule,
  STARTUP_MS,
} from './examples-kit.ts';
import { createPeering, installScalingCrds } from './scaling-kit.ts';
import { deleteManaged } from './admission-kit.ts';

/**
 * `<group>/<resource>:<verb>` → the example whose run must fail without it. `idle:` just runs the
 * operator (no object) until a permission problem is logged: the CRD watch (runtime discovery) starts
 * only after the initial resolution, later than a whole short scenario may take. `peering:` runs the
 * scenario with peering on.
 */
const PROOFS: Record<string, string> = {
  'apiextensions.k8s.io/customresourcedefinitions:watch': 'idle:01-minimal',
  'apiextensions.k8s.io/customresourcedefinitions:list': '01-minimal',
  '/events:create': '04-events',
  '/pods:create': '02-children',
  '/pods:list': '10-builtins',
  '/pods:watch': '10-builtins',
  '/pods:patch': '10-builtins',
  'kopf.dev/kopfexamples:list': '01-minimal',
  'kopf.dev/kopfexamples:watch': '01-minimal',
  'kopf.dev/kopfexamples:patch': '05-handlers',
  'kopf.dev/kopfexamples/status:patch': '01-minimal',
  'kopf.dev/kopfpeerings:list': 'peering:01-minimal',
  'kopf.dev/kopfpeerings:watch': 'peering:01-minimal',
  'kopf.dev/kopfpeerings:patch': 'peering:01-minimal',
  'admissionregistration.k8s.io/validatingwebhookconfigurations:create': '17-admission',
  'admissionregistration.k8s.io/validatingwebhookconfigurations:patch': '17-admission',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations:create': '17-admission',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations:patch': '17-admission',
};

/** `<group>/<resource>:<verb>` → why it stays although no test here fails without it. */
const ALLOWED: Record<string, string> = {
  '/pods:delete':
    "10-builtins' pod killer deletes its pod only 30 s after creation; the scenario deletes the pod first (the kill is cancelled)",
};

/** A proof's mode and example: `[idle:|peering:]<example>`. */
function proofOf(proof: string): { mode: string; example: string } {
  const colon = proof.indexOf(':');
  return colon < 0
    ? { mode: 'scenario', example: proof }
    : { mode: proof.slice(0, colon), example: proof.slice(colon + 1) };
}

/** A log line that shows a permission problem. (`"403"` in JSON, e.g. a resourceVersion, is not one.) */
const PERMISSION_PROBLEM = /forbidden|Not enough permissions|(^|[^\d"])403([^\d"]|$)/i;

interface Variant {
  key: string;
  kind: 'Role' | 'ClusterRole';
  rules: V1PolicyRule[];
}

/** Every rule's every resource's every verb, as the RBAC without it. */
function variants(rbac: GeneratedRbac): Variant[] {
  const out: Variant[] = [];
  for (const document of rbac.documents) {
    if (document.kind !== 'Role' && document.kind !== 'ClusterRole') continue;
    const rules = document.rules ?? [];
    rules.forEach((rule, index) => {
      for (const resource of rule.resources) {
        for (const verb of rule.verbs) {
          const without: RbacRule[] = [
            { ...rule, resources: rule.resources.filter((r) => r !== resource) },
            { ...rule, resources: [resource], verbs: rule.verbs.filter((v) => v !== verb) },
          ].filter((r) => r.resources.length > 0 && r.verbs.length > 0);
          out.push({
            key: `${rule.apiGroups[0] ?? ''}/${resource}:${verb}`,
            kind: document.kind as 'Role' | 'ClusterRole',
            rules: [...rules.slice(0, index), ...without, ...rules.slice(index + 1)],
          });
        }
      }
    });
  }
  return out;
}

const cluster = testCluster();
const kc = cluster.kubeConfig();
const rbacApi = kc.makeApiClient(RbacAuthorizationV1Api);
let ns: TestNamespace | undefined;
let rbac: GeneratedRbac;
let kubeconfigFile: string;

beforeAll(async () => {
  assertBuilt();
  await installScalingCrds();
  ns = await freshNamespace(kc, 'rbac-min');
  rbac = generateExamplesRbac(ns.name);
  await applyYaml(kc, rbac.yaml);
  kubeconfigFile = await serviceAccountKubeconfigFile(kc, ns.name, rbac.name);
});

afterAll(async () => {
  // A proof cut short by its timeout may not have reached runScenario's own clean-up: the example's
  // webhook configurations apply cluster-wide and would refuse every other file's KopfExamples.
  if (ns) await deleteManaged(kc, `${ns.name}.kopf.dev`);
  if (rbac) {
    await rbacApi.deleteClusterRoleBinding({ name: rbac.name }).catch(() => undefined);
    await rbacApi.deleteClusterRole({ name: rbac.name }).catch(() => undefined);
  }
  await ns?.delete();
});

async function setRules(kind: 'Role' | 'ClusterRole', rules: V1PolicyRule[]): Promise<void> {
  const metadata = { name: rbac.name, ...(kind === 'Role' ? { namespace: ns!.name } : {}) };
  if (kind === 'Role') {
    await rbacApi.replaceNamespacedRole({ name: rbac.name, namespace: ns!.name, body: { metadata, rules } });
  } else {
    await rbacApi.replaceClusterRole({ name: rbac.name, body: { metadata, rules } });
  }
}

function original(kind: 'Role' | 'ClusterRole'): V1PolicyRule[] {
  return rbac.documents.find((d) => d.kind === kind)!.rules as V1PolicyRule[];
}

describe('the generated RBAC is minimal', () => {
  it('every verb of every generated rule is proven needed or allow-listed with a reason', () => {
    const keys = variants(rbac).map((v) => v.key);
    const unaccounted = keys.filter((key) => !(key in PROOFS) && !(key in ALLOWED));
    expect(unaccounted, 'rules neither proven nor allow-listed').toEqual([]);
    const stale = [...Object.keys(PROOFS), ...Object.keys(ALLOWED)].filter((key) => !keys.includes(key));
    expect(stale, 'proofs/allow-list entries for rules no longer generated').toEqual([]);
  });

  it('with every generated rule, the example runs with peering on and no permission problem', async () => {
    // The control for the peering proofs below: their evidence is due to the missing verb alone.
    await createPeering(ns!.name, 'peering-control');
    let kopf: ExampleProcess | undefined;
    try {
      const run = await runScenario('01-minimal', await expectationsOf('01-minimal'), {
        kc,
        namespace: ns!.name,
        kubeconfigFile,
        onStart: (p) => (kopf = p),
        peering: 'peering-control',
      });
      checkExpectations(run, await expectationsOf('01-minimal'));
    } finally {
      await forceDelete(kc, {
        apiVersion: 'kopf.dev/v1',
        kind: 'KopfExample',
        metadata: { name: 'kopf-example-1', namespace: ns!.name },
      });
    }
    expect(kopf!.lines.filter((line) => PERMISSION_PROBLEM.test(line))).toEqual([]);
  });

  for (const [key, dir] of Object.entries(PROOFS)) {
    it(`without ${key}, ${dir} fails observably`, async () => {
      const variant = variants(rbac).find((v) => v.key === key);
      expect(variant, `${key} is generated`).toBeDefined();
      const { mode, example } = proofOf(dir);
      const expectations = await expectationsOf(example);
      const peering = mode === 'peering' ? `peering-${key.split(':')[1]}` : undefined;
      if (peering) await createPeering(ns!.name, peering);
      await setRules(variant!.kind, variant!.rules);
      let kopf: ExampleProcess | undefined;
      let failure: unknown;
      try {
        if (mode === 'idle') {
          // Only a logged permission problem counts here (a timeout is no proof).
          kopf = runExample(example, { namespace: ns!.name, kubeconfigFile });
          await kopf
            .waitForLine(PERMISSION_PROBLEM, STARTUP_MS)
            .catch(() => undefined)
            .finally(() => kopf!.stop());
        } else {
          const run = await runScenario(example, expectations, {
            kc,
            namespace: ns!.name,
            kubeconfigFile,
            giveUpOn: PERMISSION_PROBLEM,
            onStart: (p) => (kopf = p),
            ...(peering ? { peering } : {}),
          });
          checkExpectations(run, expectations);
        }
      } catch (error) {
        failure = error;
      } finally {
        await setRules(variant!.kind, original(variant!.kind));
        for (const [apiVersion, kind, name] of [
          ['kopf.dev/v1', 'KopfExample', 'kopf-example-1'],
          ['v1', 'Pod', 'kopf-example-pod'],
        ] as const) {
          await forceDelete(kc, { apiVersion, kind, metadata: { name, namespace: ns!.name } });
        }
      }
      const problems = (kopf?.lines ?? []).filter((line) => PERMISSION_PROBLEM.test(line));
      // Only a permission problem is evidence: a run failing for another reason proves nothing.
      const evidence = problems[0];
      const outcome = failure instanceof Error ? failure.message.split('\n')[0] : 'the scenario completed';
      console.error(
        `minimality: without ${key}: ${example} ${evidence ? `fails: ${evidence.slice(0, 300)}` : 'PASSES'} (${outcome})`,
      );
      expect(evidence, `${example} still works without ${key}`).toBeDefined();
    });
  }
});
