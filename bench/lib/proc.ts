/** Process measurements from /proc: RSS (current and high-water mark) and CPU time of a process tree. */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

function readStatus(pid: number): Record<string, string> | undefined {
  try {
    const out: Record<string, string> = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
    }
    return out;
  } catch {
    return undefined;
  }
}

function kib(value: string | undefined): number {
  return value ? Number.parseInt(value, 10) || 0 : 0;
}

/** The pid and all its descendants (walks /proc/<pid>/task/<tid>/children). */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    if (!readStatus(pid)) continue;
    out.push(pid);
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        try {
          const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
          if (children) queue.push(...children.split(/\s+/).map(Number));
        } catch {
          // thread gone
        }
      }
    } catch {
      // process gone
    }
  }
  return out;
}

/** Sum of VmRSS and of VmHWM (bytes) over the process tree. */
export function treeMemory(root: number): { rss: number; hwm: number } {
  let rss = 0;
  let hwm = 0;
  for (const pid of processTree(root)) {
    const status = readStatus(pid);
    rss += kib(status?.['VmRSS']) * 1024;
    hwm += kib(status?.['VmHWM']) * 1024;
  }
  return { rss, hwm };
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by the process tree. */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / TICKS;
}

/**
 * CPU seconds used so far by the process tree: its processes' main threads (JavaScript, for Node) and
 * all other threads (V8's concurrent JIT and GC helpers, libuv's pool, a Go runtime's threads; Node
 * does not name them apart). A sampling profile sees only the main thread; the rest is where a
 * burst's CPU can hide.
 */
export function treeCpuByThread(root: number): { main: number; 'other threads': number } {
  const byKind = { main: 0, 'other threads': 0 };
  for (const pid of processTree(root)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        byKind[tid === String(pid) ? 'main' : 'other threads'] +=
          (Number(fields[11]) + Number(fields[12])) / TICKS;
      } catch {
        // thread gone
      }
    }
  }
  return byKind;
}

/** `after − before` per key. */
export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([kind, seconds]) => [kind, seconds - (before[kind] ?? 0)]),
  );
}

/** Open sockets (TCP connections, mostly to the apiserver) of the process tree. */
export function treeSockets(root: number): number {
  let n = 0;
  for (const pid of processTree(root)) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // gone
    }
  }
  return n;
}

/** Samples the tree's RSS every `intervalMs` and keeps the peak until stopped. */
export class RssSampler {
  peak = 0;
  peakSockets = 0;
  private ticks = 0;
  readonly pid: number;
  private timer: NodeJS.Timeout;
  constructor(pid: number, intervalMs = 100) {
    this.pid = pid;
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }
  sample(): number {
    const { rss } = treeMemory(this.pid);
    if (rss > this.peak) this.peak = rss;
    if (this.ticks++ % 4 === 0) this.peakSockets = Math.max(this.peakSockets, treeSockets(this.pid));
    return rss;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

/** The process tree's RSS averaged over 2 s (10 samples), after waiting `settleMs`. */
export async function settledRss(pid: number, settleMs: number): Promise<number> {
  await delay(settleMs);
  let rss = 0;
  for (let i = 0; i < 10; i++) {
    rss += treeMemory(pid).rss;
    await delay(200);
  }
  return rss / 10;
}

export function machineInfo(): { cpuModel: string; cores: number; memoryGiB: number; kernel: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const cores = cpuinfo.split('\n').filter((l) => l.startsWith('processor')).length;
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memoryGiB = kib(/MemTotal:\s*(\d+)/.exec(meminfo)?.[1]) / 1024 / 1024;
  const kernel = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ');
  return { cpuModel, cores, memoryGiB, kernel };
}
