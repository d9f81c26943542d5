/** kopf-gen's command line: options, `--no-` negation, usage errors (exit code 2) and the help. */
import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine } from '../../generator/args.ts';
import { runCli } from './helpers.ts';

describe('kopf-gen command line', () => {
  it('reads short and long options, inline values, --no- negation, and keeps the last of a repeated option', () => {
    expect(
      parseCommandLine([
        'crds/',
        '-o',
        'first',
        '--output=out',
        '-q',
        '--namespace',
        'team-a',
        '--replicas=3',
        '--no-sharded',
        '--kopf-ts',
        '^1.2.3',
        'more.yaml',
      ]),
    ).toEqual({
      command: undefined,
      inputs: ['crds/', 'more.yaml'],
      help: false,
      output: 'out',
      check: false,
      quiet: true,
      watch: false,
      namespace: 'team-a',
      kopfTs: '^1.2.3',
      replicas: '3',
      sharded: false,
    });
  });

  it('takes the first argument as the command; positionals after -- are inputs, even with a leading dash', () => {
    expect(parseCommandLine(['init', 'my-operator', '-A'])).toMatchObject({
      command: 'init',
      inputs: ['my-operator'],
      clusterWide: true,
    });
    expect(parseCommandLine(['rbac', '--check'])).toMatchObject({ command: 'rbac', check: true, inputs: [] });
    expect(parseCommandLine(['--', '-odd.yaml']).inputs).toEqual(['-odd.yaml']);
  });

  it.each([
    [['crds/', '--bogus'], 'unknown option --bogus'],
    [['rbac', '--namespace', 'x'], 'unknown option --namespace for kopf-gen rbac'],
    [['crds/', '-o'], '-o needs a value (DIR)'],
    [['crds/', '--namespace', '--check'], '--namespace needs a value (NS)'],
    [['crds/', '--check=yes'], '--check takes no value'],
    [['crds/', '--no-output'], '--output takes a value and cannot be negated'],
    [['crds/', '-n', 'a', '-A'], '--namespace and --cluster-wide are mutually exclusive'],
    [['crds/', '--replicas', 'two'], '--replicas must be a positive integer, not two'],
    [['crds/', '--watch', '--check'], '--watch does not go with --check'],
  ])('%j is a usage error (exit code 2) naming the option', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('--help prints the usage and every option of the command on stdout, and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${helpText(undefined)}\n`);
    for (const option of [
      '--output DIR',
      '--check',
      '--quiet',
      '--namespace NS',
      '--cluster-wide',
      '--kopf-ts SPEC',
    ])
      expect(run.stdout).toContain(option);
    for (const option of ['--watch', '--replicas N', '--sharded', '--deploy-namespace NS'])
      expect(run.stdout).toContain(option);
    const rbac = await runCli(['rbac', '-h']);
    expect(rbac.stdout).toMatch(/^Usage: kopf-gen rbac/);
    expect(rbac.stdout).not.toContain('--namespace');
  });
});
