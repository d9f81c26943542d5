/**
 * kopf-gen for operators with admission webhooks: the commented stubs compile once uncommented
 * (typed for the CRD), and handler code that registers webhooks gets deploy/webhooks.yaml (the
 * Service), the Deployment's webhook port, Secret mount and flags, and RBAC for the two webhook
 * configuration kinds with exactly the verbs the runtime uses.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load, loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT, runCli, typecheck } from './helpers.ts';

let out: string;
const read = (file: string) => readFileSync(path.join(out, file), 'utf8');

beforeAll(async () => {
  // Inside fixtures/**/out so that the kopf-ts entry resolves from the repository.
  mkdirSync(FIXTURES, { recursive: true });
  out = path.join(mkdtempSync(path.join(FIXTURES, 'webhooks-')), 'out', 'hooked');
  const first = await runCli([
    path.join(REPO_ROOT, 'crds'),
    '-o',
    out,
    '-n',
    'ops',
    '--kopf-ts',
    'file:../..',
    '-q',
  ]);
  expect(first.code, first.stderr).toBe(0);
});

afterAll(() => rmSync(path.dirname(path.dirname(out)), { recursive: true, force: true }));

describe('kopf-gen and admission webhooks', () => {
  it('writes commented validate/mutate stubs that compile, typed for the CRD, once uncommented', () => {
    const stub = read('src/handlers/widget.ts');
    expect(stub).toContain('// kopf.on.validate(widgets, function validateWidget({ spec, warnings }) {');
    const uncommented = stub.replace(/^\/\/ (kopf\.on\.(?:validate|mutate)[\s\S]*?^\/\/ \}\);)$/gm, (block) =>
      block.replace(/^\/\/ ?/gm, ''),
    );
    expect(uncommented).toContain('\nkopf.on.validate(widgets, function validateWidget');
    expect(uncommented).toContain('\nkopf.on.mutate(widgets, function defaultWidget');
    writeFileSync(path.join(out, 'src/handlers/widget.ts'), uncommented);
    expect(typecheck([path.join(out, 'src/handlers/widget.ts')])).toEqual([]);
  });

  it('gives handler code with webhooks the Service, port, Secret mount, flags and RBAC — byte-identical on rerun', async () => {
    const run = await runCli([path.join(REPO_ROOT, 'crds'), '-o', out, '-q']);
    expect(run.code, run.stderr).toBe(0);
    const service = load(read('deploy/webhooks.yaml').replace(/^(#.*\n)*---\n/, ''));
    expect(service).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hooked-webhooks', namespace: 'ops', labels: { 'app.kubernetes.io/name': 'hooked' } },
      spec: {
        selector: { 'app.kubernetes.io/name': 'hooked' },
        ports: [{ name: 'webhooks', port: 9443, targetPort: 'webhooks' }],
      },
    });
    const deployment = load(read('deploy/deployment.yaml').replace(/^(#.*\n)*---\n/, '')) as {
      spec: { template: { spec: { containers: Record<string, unknown>[]; volumes: unknown[] } } };
    };
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0]).toMatchObject({
      args: [
        '--namespace=ops',
        '--webhook-server=https://hooked-webhooks.ops.svc:9443',
        '--webhook-cert-dir=/etc/kopf-ts/webhook',
        '--webhook-managed=hooked',
      ],
      ports: [
        { name: 'health', containerPort: 8080 },
        { name: 'webhooks', containerPort: 9443 },
      ],
      volumeMounts: [{ name: 'webhook-tls', mountPath: '/etc/kopf-ts/webhook', readOnly: true }],
    });
    expect(pod.volumes).toEqual([
      { name: 'webhook-tls', secret: { secretName: 'hooked-webhook-tls', optional: true } },
    ]);
    const rbac = loadAll(read('deploy/rbac.yaml')) as { kind: string; rules?: unknown[] }[];
    expect(rbac.find((d) => d.kind === 'ClusterRole')?.rules).toContainEqual({
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
      verbs: ['create', 'patch'],
    });
    expect((await runCli([path.join(REPO_ROOT, 'crds'), '-o', out, '--check'])).code).toBe(0);
  });
});
