import { webhookServerOptions } from '../../runtime/reactor/admission/server.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseCommandLine, type ParsedCommand } from '../../runtime/cli/options.ts';

async function parse(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ParsedCommand> {
  return parseCommandLine(argv, env);
}

async function options(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = await parse(argv, env);
  if (parsed.command !== 'run') throw new Error(`expected a run, got: ${JSON.stringify(parsed)}`);
  return parsed.options;
}

describe('kopf run options', () => {
  test('files, modules, repeated namespaces and flags', async () => {
    const o = await options([
      'run',
      '-n',
      'ns1',
      'a.ts',
      '-m',
      'pkg',
      '--namespace',
      'app-*',
      'b.ts',
      '--standalone',
      '-v',
    ]);
    expect(o).toMatchObject({
      files: ['a.ts', 'b.ts'],
      modules: ['pkg'],
      namespaces: ['ns1', 'app-*'],
      allNamespaces: false,
      standalone: true,
      verbose: true,
      logFormat: 'full',
    });
  });

  test('-A and -n together are a usage error (exit code 2)', async () => {
    expect(await parse(['run', 'a.ts', '-A', '-n', 'x'])).toMatchObject({ command: 'exit', code: 2 });
  });

  test('nothing to load is a usage error', async () => {
    expect(await parse(['run', '-A'])).toMatchObject({ command: 'exit', code: 2 });
  });

  test('unknown options are usage errors', async () => {
    expect(await parse(['run', 'a.ts', '--no-such-thing'])).toMatchObject({ command: 'exit', code: 2 });
  });

  test('every option can come from KOPF_RUN_* variables; booleans accept 1/true/yes', async () => {
    const o = await options(['run', 'a.ts'], {
      KOPF_RUN_ALL_NAMESPACES: '1',
      KOPF_RUN_STANDALONE: 'yes',
      KOPF_RUN_VERBOSE: 'true',
      KOPF_RUN_LOG_FORMAT: 'json',
      KOPF_RUN_LIVENESS: 'http://0.0.0.0:8080/healthz',
      KOPF_RUN_PEERING: 'mine',
      KOPF_RUN_PRIORITY: '100',
      KOPF_RUN_MODULE: 'one two',
    });
    expect(o).toMatchObject({
      allNamespaces: true,
      standalone: true,
      verbose: true,
      logFormat: 'json',
      liveness: 'http://0.0.0.0:8080/healthz',
      peering: 'mine',
      priority: 100,
      modules: ['one', 'two'],
    });
  });

  test('the command line wins over the environment; KOPF_RUN_NAMESPACE is appended to -n', async () => {
    const o = await options(['run', 'a.ts', '--log-format', 'plain', '-n', 'x'], {
      KOPF_RUN_LOG_FORMAT: 'json',
      KOPF_RUN_NAMESPACE: 'y z',
    });
    expect(o.logFormat).toBe('plain');
    expect(o.namespaces).toEqual(['x', 'y', 'z']);
  });

  test('an unreadable boolean variable is a usage error, not silently false', async () => {
    expect(await parse(['run', 'a.ts'], { KOPF_RUN_ALL_NAMESPACES: 'perhaps' })).toMatchObject({
      command: 'exit',
      code: 2,
    });
  });

  test('--liveness must be an http:// URL', async () => {
    expect(await parse(['run', 'a.ts', '-L', 'https://x/'])).toMatchObject({ command: 'exit', code: 2 });
  });

  test('--webhook-server takes an https:// URL, --webhook-managed a name (also from KOPF_RUN_WEBHOOK_*)', async () => {
    const o = await options(['run', 'a.ts', '--webhook-server', 'https://127.0.0.1:9443/hooks'], {
      KOPF_RUN_WEBHOOK_MANAGED: 'auto.kopf.dev',
    });
    expect(o).toMatchObject({
      webhookServer: 'https://127.0.0.1:9443/hooks',
      webhookManaged: 'auto.kopf.dev',
    });
    expect(await parse(['run', 'a.ts', '--webhook-server', '127.0.0.1:9443'])).toMatchObject({ code: 2 });
    expect(webhookServerOptions('https://127.0.0.1:9443/hooks')).toEqual({
      host: '127.0.0.1',
      addr: '127.0.0.1',
      port: 9443,
      path: '/hooks',
    });
    expect(webhookServerOptions('https://localhost/')).toEqual({ host: 'localhost' });
    // In-cluster: the API server calls the Service; the operator listens on all interfaces.
    expect(webhookServerOptions('https://op-webhooks.ops.svc:9443')).toEqual({
      port: 9443,
      service: { name: 'op-webhooks', namespace: 'ops', port: 9443 },
    });
    expect(() => webhookServerOptions('https://op-webhooks.ops.svc')).toThrow(/needs the port/);
  });

  test('kopf --version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await parse(['--version'])).toEqual({ command: 'exit', code: 0, output: version });
  });

  test('kopf without a command is a usage error', async () => {
    expect(await parse([])).toMatchObject({ command: 'exit', code: 2 });
  });
});

describe('scaling options of kopf run', () => {
  test('--id, --leader-elect and the Lease flags, also from KOPF_RUN_* variables', async () => {
    expect(
      await options(['run', 'a.ts', '--id', 'r1', '--leader-elect', '--lease-name', 'op']),
    ).toMatchObject({
      id: 'r1',
      leaderElect: true,
      leaseName: 'op',
      leaseNamespace: undefined,
    });
    expect(
      await options(['run', 'a.ts'], {
        KOPF_RUN_LEADER_ELECT: '1',
        KOPF_RUN_LEASE_NAMESPACE: 'ops',
        KOPF_RUN_ID: 'x',
      }),
    ).toMatchObject({ id: 'x', leaderElect: true, leaseNamespace: 'ops' });
  });

  test('--sharded, also as KOPF_RUN_SHARDED; it excludes --leader-elect with a clear message', async () => {
    expect(await options(['run', 'a.ts', '--sharded'])).toMatchObject({ sharded: true, leaderElect: false });
    expect(await options(['run', 'a.ts'], { KOPF_RUN_SHARDED: 'yes' })).toMatchObject({ sharded: true });
    expect(await parse(['run', 'a.ts', '--sharded', '--leader-elect'])).toMatchObject({
      command: 'exit',
      code: 2,
      output: expect.stringMatching(/Either --leader-elect .* or --sharded .* not both/),
    });
  });
});

describe('kopf freeze / kopf resume', () => {
  test('freeze takes Kopf’s options; the priority defaults to 100, --dev makes it 666', async () => {
    expect(await parse(['freeze', '-P', 'ops', '-t', '60', '-n', 'ns1', '-m', 'upgrading'])).toEqual({
      command: 'freeze',
      options: {
        peering: 'ops',
        lifetime: 60,
        priority: 100,
        id: undefined,
        message: 'upgrading',
        namespaces: ['ns1'],
        allNamespaces: false,
      },
    });
    expect(await parse(['freeze', '-P', 'ops', '-t', '5', '--dev', '-A', '-i', 'me'])).toMatchObject({
      options: { priority: 666, id: 'me', allNamespaces: true },
    });
  });

  test('resume writes lifetime 0; the peering name may come from KOPF_RESUME_PEERING', async () => {
    expect(await parse(['resume', '-A'], { KOPF_RESUME_PEERING: 'ops' })).toMatchObject({
      command: 'resume',
      options: { peering: 'ops', lifetime: 0, allNamespaces: true },
    });
  });

  test('--peering is required, and freeze needs --lifetime (exit code 2)', async () => {
    expect(await parse(['resume', '-A'])).toMatchObject({ command: 'exit', code: 2 });
    expect(await parse(['freeze', '-P', 'ops'])).toMatchObject({ command: 'exit', code: 2 });
    expect(await parse(['freeze', '-P', 'ops', '-t', 'soon'])).toMatchObject({ command: 'exit', code: 2 });
  });
});
