/**
 * Summarize a V8 .cpuprofile (from `npm run bench -- --profile`, which starts kopf-ts with
 * `node --cpu-prof`): self time by function and by module, top entries.
 *   node bench/lib/cpuprofile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Every sample counts as one sampling interval, not as the wall time since the previous one: on a busy
  // machine the process is descheduled between samples, and the time deltas would charge those waits
  // to whatever function happened to run next (a trivial path builder showed as 5 % of the profile).
  const interval = median(deltas.filter((delta) => delta > 0)) ?? 1000;
  for (const id of samples) selfMicros.set(id, (selfMicros.get(id) ?? 0) + interval);
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const short = (url: string): string => {
    if (!url) return '(native/vm)';
    const clean = url.replace(/^file:\/\//, '');
    const nm = clean.lastIndexOf('node_modules/');
    if (nm >= 0) return clean.slice(nm + 'node_modules/'.length);
    const repo = clean.indexOf('/runtime/');
    if (repo >= 0) return clean.slice(repo + 1);
    return clean.startsWith('node:') ? clean : path.basename(clean);
  };
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    const mod = url
      ? short(url).replace(/\/[^/]*$/, '/') + (url.includes('node_modules') ? '' : path.basename(url))
      : functionName || '(native)';
    byModule.set(mod, (byModule.get(mod) ?? 0) + micros);
  }
  const fmt = (entries: Map<string, number>): string[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          `${((micros / total) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`,
      );
  return [
    `profile ${path.basename(file)}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall, ${(total / 1e6).toFixed(2)} s sampled (samples × interval)`,
    'self time by function:',
    ...fmt(byFunction),
    'self time by module/file:',
    ...fmt(byModule),
  ].join('\n');
}

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/lib/cpuprofile.ts <file.cpuprofile> [top]');
  process.stdout.write(summarizeProfile(file, Number(top ?? 25)) + '\n');
}
