/** Versions of the tools on this machine, for the report. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kopfVenv } from '../../test/setup/python-kopf.ts';

function first(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return 'not available';
  return (result.stdout || result.stderr).trim().split('\n')[0] ?? '';
}

export function toolVersions(): Record<string, string> {
  let kopf = 'not installed';
  try {
    kopf = first(path.join(kopfVenv, 'bin', 'python'), [
      '-c',
      'import importlib.metadata as m; print(m.version("kopf"))',
    ]);
  } catch {
    // no venv
  }
  let os = '';
  try {
    os = /PRETTY_NAME="(.+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux
  }
  return {
    node: process.version,
    python: first('python3', ['--version']).replace('Python ', ''),
    kopf,
    go: first('go', ['env', 'GOVERSION']),
    os,
  };
}
