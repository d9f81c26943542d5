/**
 * deploy/kustomization.yaml: it lists the generated manifests, kustomize builds it (`kubectl kustomize`,
 * or a kustomize built from the Go module proxy by test/tools/kustomize.sh where there is no kubectl),
 * its `namespace` and `images` move the operator and its image, and a rerun keeps those two fields.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers.ts';

let tmp: string;
let project: string;
const kustomization = () => path.join(project, 'deploy', 'kustomization.yaml');

type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string };
  subjects?: Array<{ namespace?: string }>;
  spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
};

let kustomize: { command: string; args: (dir: string) => string[] };

/** `kustomize build deploy/`: kubectl's built-in kustomize when kubectl is installed, else the pinned one. */
function kustomizeBuild(dir: string): Manifest[] {
  return loadAll(execFileSync(kustomize.command, kustomize.args(dir), { encoding: 'utf8' })) as Manifest[];
}

beforeAll(() => {
  const kubectl = spawnSync('kubectl', ['kustomize', '--help'], { stdio: 'ignore' }).status === 0;
  kustomize = kubectl
    ? { command: 'kubectl', args: (dir) => ['kustomize', dir] }
    : {
        // Built from the Go module proxy the first time: minutes, hence the hook's timeout.
        command: execFileSync('bash', [path.join(REPO_ROOT, 'test/tools/kustomize.sh')], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        }).trim(),
        args: (dir) => ['build', dir],
      };
  console.log(`kustomize: ${kustomize.command} ${kustomize.args('deploy/').join(' ')}`);
}, 15 * 60_000);

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-kustomize-'));
  project = path.join(tmp, 'shop-operator');
  expect((await runCli([path.join(REPO_ROOT, 'crds'), '-o', project, '-q'])).code).toBe(0);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('deploy/kustomization.yaml', () => {
  it('lists every generated manifest but the peering objects, which need their CRD established first', () => {
    const { resources } = loadAll(readFileSync(kustomization(), 'utf8'))[0] as { resources: string[] };
    const manifests = readdirSync(path.join(project, 'deploy')).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml' && file !== 'peering-objects.yaml',
    );
    expect(resources).toEqual(manifests.sort());
  });

  it('builds with kustomize into the generated objects, the operator in its namespace with its image', () => {
    const built = kustomizeBuild(path.join(project, 'deploy'));
    const deployment = built.find((m) => m.kind === 'Deployment')!;
    expect(deployment.metadata).toMatchObject({ name: 'shop-operator', namespace: 'default' });
    expect(deployment.spec?.template?.spec?.containers?.[0]?.image).toBe('shop-operator:latest');
    expect(built.filter((m) => m.kind === 'CustomResourceDefinition').map((m) => m.metadata.name)).toContain(
      'kopfexamples.kopf.dev',
    );
  });

  it('moves the operator to the namespace and image set in it, and a rerun of kopf-gen keeps them', async () => {
    const text = readFileSync(kustomization(), 'utf8')
      .replace(/^namespace: default$/m, 'namespace: operators')
      .replace(/newName: shop-operator$/m, 'newName: registry.example.com/shop/operator')
      .replace(/newTag: latest$/m, 'newTag: "1.2"');
    writeFileSync(kustomization(), text);
    expect((await runCli([path.join(REPO_ROOT, 'crds'), '-o', project, '-q'])).code).toBe(0);

    const built = kustomizeBuild(path.join(project, 'deploy'));
    const deployment = built.find((m) => m.kind === 'Deployment')!;
    expect(deployment.metadata.namespace).toBe('operators');
    expect(deployment.spec?.template?.spec?.containers?.[0]?.image).toBe(
      'registry.example.com/shop/operator:1.2',
    );
    expect(built.find((m) => m.kind === 'ServiceAccount')?.metadata.namespace).toBe('operators');
    expect(built.find((m) => m.kind === 'ClusterRoleBinding')?.subjects?.[0]?.namespace).toBe('operators');
  });
});
