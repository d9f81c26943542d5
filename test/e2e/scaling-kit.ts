/**
 * Shared set-up of the scaling e2e tests (peering, freeze/resume, leader election): Kopf's peering
 * CRDs, peering objects of a name of their own per test (never the `default` object that other tests'
 * operators would see), and replicas as separate `kopf run` processes that record what they handle.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { emitPeeringYaml } from '../../generator/emit/deploy.ts';
import { createApiClient } from '../../runtime/client/index.ts';
import { mainPeeringResource } from '../../runtime/reactor/peering/resources.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { applyYaml, eventually, freshNamespace, waitForCrd } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { handlerFile, runs, spawnKopf, STARTUP_MS, workDir, type KopfProcess } from './cli-kit.ts';
import { EXAMPLES, installCrd } from './handlers-kit.ts';

export const cluster = testCluster();
export const kc = cluster.kubeConfig();
export const client = createApiClient(kc, makeSettings());
export { EXAMPLES };
/** The board of a namespaced operator. */
const KOPF_PEERINGS = mainPeeringResource(false);

/** The example CRD and Kopf's peering CRDs. */
export async function installScalingCrds(): Promise<void> {
  await installCrd(kc);
  await applyYaml(kc, emitPeeringYaml());
  await waitForCrd(kc, 'kopfpeerings.kopf.dev');
  await waitForCrd(kc, 'clusterkopfpeerings.kopf.dev');
}

/**
 * Handlers for every replica: the create handler records `start`/`end <replica> <name>` (taking
 * `$HANDLER_SECONDS`), a daemon records `daemon <replica> <name>` and `daemon-stop <replica> <name>
 * <reason>`. `$REPLICA` names the replica in the records.
 */
export const RECORDING_HANDLERS = `
kopf.on.create(examples, async function create({ name }: { name: string }) {
  record('start ' + process.env.REPLICA + ' ' + name);
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.HANDLER_SECONDS ?? 0) * 1000));
  record('end ' + process.env.REPLICA + ' ' + name);
});
kopf.daemon(examples, async function watcher({ name, stopped }: { name: string; stopped: kopf.DaemonStopped }) {
  record('daemon ' + process.env.REPLICA + ' ' + name);
  await stopped.wait();
  record('daemon-stop ' + process.env.REPLICA + ' ' + name + ' ' + stopped.reason);
});
`;

/** One test's world: a fresh namespace, a peering name, a handler file, the runs file, its replicas. */
export interface Scene {
  ns: string;
  peering: string;
  runsFile: string;
  file: string;
  replicas: KopfProcess[];
  /** `kopf run --verbose -n <ns> <file> ...args` as replica `name`. */
  start(name: string, args: string[], env?: Record<string, string>): KopfProcess;
  /** Create a KopfExample. */
  create(name: string): Promise<void>;
  /** The recorded lines. */
  runs(): string[];
  /** Wait until a line is recorded. */
  recorded(line: string, timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function scene(
  prefix: string,
  handlers = RECORDING_HANDLERS,
  extraEnv: Record<string, string> = {},
): Promise<Scene> {
  const namespace = await freshNamespace(kc, prefix);
  const dir = workDir('kopf-scaling-');
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(dir, handlers);
  const replicas: KopfProcess[] = [];
  return {
    ns: namespace.name,
    peering: `${prefix}-${randomBytes(3).toString('hex')}`,
    runsFile,
    file,
    replicas,
    start(name, args, env = {}) {
      const replica = spawnKopf(['run', '--verbose', '-n', namespace.name, file, ...args], {
        KUBECONFIG: cluster.kubeconfig,
        RUNS_FILE: runsFile,
        REPLICA: name,
        ...extraEnv,
        ...env,
      });
      replicas.push(replica);
      return replica;
    },
    async create(name) {
      await client.create(EXAMPLES, namespace.name, {
        apiVersion: 'kopf.dev/v1',
        kind: 'KopfExample',
        metadata: { name },
        spec: {},
      });
    },
    runs: () => runs(runsFile),
    async recorded(line, timeoutMs = STARTUP_MS) {
      await eventually(() => runs(runsFile).includes(line), {
        timeoutMs,
        what: `"${line}" in the runs: ${runs(runsFile).join(' | ')}\n${replicas.map((r) => r.lines.join('\n')).join('\n-----\n')}`,
      });
    },
    async cleanup() {
      await Promise.all(replicas.map((replica) => replica.stop(5000)));
      await namespace.delete();
    },
  };
}

/** A KopfPeering named `name` in `ns` (the board a `--peering name -n ns` operator uses). */
export async function createPeering(ns: string, name: string): Promise<void> {
  await client.create(KOPF_PEERINGS, ns, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfPeering',
    metadata: { name },
  });
}

export { serviceAccountKubeconfigFile } from './examples-kit.ts';
export { STARTUP_MS };
