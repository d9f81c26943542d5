/**
 * The image journey by hand, outside vitest: generate the operator from crds/, build its image from the
 * generated Dockerfile, run it against a local API server under its ServiceAccount's identity, create
 * and delete examples/obj.yaml, and stop. Prints every step and the operator's log.
 *
 *   export PATH=$PWD/node_modules/.bin:$PATH
 *   node test/image/demo.ts [--mode auto|container|chroot] [--keep]
 *
 * --keep leaves the operator and the API server running until Ctrl+C (kubeconfig path printed).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, loadYaml } from '@kubernetes/client-node';
import {
  applyYamlFile,
  eventually,
  freshNamespace,
  startLocalCluster,
  waitForCrd,
} from '../../runtime/testing/index.ts';
import {
  REPO,
  buildOperatorImage,
  deploymentArgs,
  generateProject,
  imageSize,
  runOperatorImage,
  writeServiceAccountDir,
} from './operator-image.ts';

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'auto' }, keep: { type: 'boolean', default: false } },
});
const mode = values.mode as 'auto' | 'container' | 'chroot';
const say = (message: string): void => console.log(`[demo] ${message}`);
const kopfExamples = { group: 'kopf.dev', version: 'v1', plural: 'kopfexamples' } as const;

const began = Date.now();
const cluster = await startLocalCluster({ progress: (line) => console.error(line) });
say(`local API server ${cluster.url} (kubeconfig ${cluster.kubeconfig})`);
const kc = cluster.kubeConfig();
const ns = await freshNamespace(kc, 'demo');
const workdir = mkdtempSync(path.join(os.tmpdir(), 'kopf-ts-image-demo-'));
const project = path.join(workdir, 'kopf-image-demo');
const tag = 'localhost/kopf-image-demo:latest';
let operator: ReturnType<typeof runOperatorImage> | undefined;
try {
  generateProject(path.join(REPO, 'crds'), project, { namespace: ns.name });
  say(`generated ${project} for namespace ${ns.name}`);
  let t = Date.now();
  await buildOperatorImage(project, tag, (line) => console.error(line));
  say(`built ${tag} in ${((Date.now() - t) / 1000).toFixed(1)} s: ${(imageSize(tag) / 1e6).toFixed(0)} MB`);

  await applyYamlFile(kc, path.join(project, 'deploy/crds.yaml'));
  await applyYamlFile(kc, path.join(project, 'deploy/peering.yaml'));
  await waitForCrd(kc, 'kopfpeerings.kopf.dev');
  await waitForCrd(kc, 'kopfexamples.kopf.dev');
  await applyYamlFile(kc, path.join(project, 'deploy/peering-objects.yaml'));
  await applyYamlFile(kc, path.join(project, 'deploy/rbac.yaml'));
  const serviceAccountDir = await writeServiceAccountDir(kc, {
    namespace: ns.name,
    serviceAccount: 'kopf-image-demo',
    caFile: cluster.ca,
    dir: path.join(workdir, 'serviceaccount'),
  });
  say(`ServiceAccount token, ca.crt and namespace in ${serviceAccountDir}`);

  t = Date.now();
  operator = runOperatorImage({
    image: tag,
    serviceAccountDir,
    apiserverUrl: cluster.url,
    args: deploymentArgs(project),
    mode,
    name: `kopf-image-demo-${ns.name}`,
    onLine: (line) => console.log(`  | ${line}`),
  });
  say(`mode: ${await operator.mode}`);

  const objects = kc.makeApiClient(CustomObjectsApi);
  const body = loadYaml(readFileSync(path.join(REPO, 'examples/obj.yaml'), 'utf8')) as {
    metadata: { name: string };
  };
  await objects.createNamespacedCustomObject({ ...kopfExamples, namespace: ns.name, body });
  const name = body.metadata.name;
  const handled = await eventually(
    async () => {
      const obj = (await objects.getNamespacedCustomObject({
        ...kopfExamples,
        namespace: ns.name,
        name,
      })) as { status?: Record<string, unknown> };
      return obj.status?.['createKopfExample'] ? obj : undefined;
    },
    { timeoutMs: 90_000, what: 'status.createKopfExample' },
  );
  say(
    `handled ${((Date.now() - t) / 1000).toFixed(1)} s after the start: status ${JSON.stringify(handled.status)}`,
  );
  await objects.deleteNamespacedCustomObject({ ...kopfExamples, namespace: ns.name, name });
  await eventually(
    () =>
      objects.getNamespacedCustomObject({ ...kopfExamples, namespace: ns.name, name }).then(
        () => false,
        (error: { code?: number }) => error.code === 404,
      ),
    { timeoutMs: 90_000, what: 'the object to be gone' },
  );
  say('deleted: the finalizer was released');
  if (values.keep) {
    say(`running until Ctrl+C; KUBECONFIG=${cluster.kubeconfig}`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  if (operator) say(`operator exited with ${await operator.stop()}`);
  await ns.delete();
  await cluster.stop();
  rmSync(workdir, { recursive: true, force: true });
  say(`done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}
