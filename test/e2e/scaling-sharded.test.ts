/**
 * `kopf run --sharded`: replicas as separate processes split the objects between them. Every replica
 * records `start`/`end <replica> <name>` into one file, in the order things happen; the checks read
 * that order: an object's handler never starts in one replica while it runs in another, every
 * object completes exactly once, and the shares are balanced.
 */
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { LEASES } from '../../runtime/reactor/leadership/leases.ts';
import { shardLabel } from '../../runtime/structs/conventions.ts';
import { applyYaml, eventually, waitForCrd } from '../../runtime/testing/index.ts';
import type { ResourceInfo } from '../../common/resources.ts';
import { spawnKopf, type KopfProcess } from './cli-kit.ts';
import { crdYaml } from './operator-kit.ts';
import {
  client,
  cluster,
  createPeering,
  EXAMPLES,
  installScalingCrds,
  kc,
  scene,
  serviceAccountKubeconfigFile,
  type Scene,
} from './scaling-kit.ts';

/** A 1 s (`$HANDLER_SECONDS`) create handler; Lease timings from `$SHARD_SECONDS` (a startup handler). */
const HANDLERS = `
kopf.on.create(examples, async function create({ name }: { name: string }) {
  record('start ' + process.env.REPLICA + ' ' + name);
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.HANDLER_SECONDS ?? 1) * 1000));
  record('end ' + process.env.REPLICA + ' ' + name);
});
kopf.on.startup(function leaseTimings({ settings }: { settings: kopf.OperatorSettings }) {
  const seconds = Number(process.env.SHARD_SECONDS);
  Object.assign(settings.scaling, {
    shardLeaseDuration: seconds,
    leaseDuration: seconds,
    renewDeadline: seconds / 2,
    retryPeriod: 1,
  });
});
`;

let current: Scene | undefined;
beforeAll(installScalingCrds);
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

function start(s: Scene, id: string, args = ['--standalone'], env: Record<string, string> = {}): KopfProcess {
  return s.start(id, [...args, '--sharded', '--lease-namespace', s.ns, '--id', id], env);
}

/** Start replicas and wait until the sharder's ring has all of them. */
async function replicas(s: Scene, ids: string[], args?: string[]): Promise<KopfProcess[]> {
  const started = ids.map((id) => start(s, id, args));
  await Promise.all(started.map((r) => r.waitForLine(/Acquired the Lease .*: this replica is member/)));
  await eventually(
    () => started.some((r) => r.lines.some((l) => l.includes(`has ${ids.length} member(s)`))),
    {
      timeoutMs: 30_000,
      what: `a ring of ${ids.length} members`,
    },
  );
  return started;
}

async function createMany(s: Scene, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 20)
    await Promise.all(names.slice(i, i + 20).map((n) => s.create(n)));
}

async function allEnded(s: Scene, names: string[], timeoutMs = 90_000): Promise<void> {
  await eventually(
    () => {
      const ended = new Set(s.runs().flatMap((l) => (l.startsWith('end ') ? [l.split(' ')[2]] : [])));
      return names.every((n) => ended.has(n));
    },
    { timeoutMs, what: 'every object handled' },
  );
}

/**
 * The records per object, in order. A `start` may follow an unfinished `start` of another replica
 * only if that replica was killed before (a `killed <replica>` line in between).
 */
function checkNoOverlap(lines: string[]): void {
  const running = new Map<string, string>(); // object → replica
  const killed = new Set<string>();
  for (const line of lines) {
    const [what, replica = '', name = ''] = line.split(' ');
    if (what === 'killed') killed.add(replica);
    if (what === 'start') {
      const other = running.get(name);
      if (other !== undefined && !killed.has(other)) {
        throw new Error(`${name} started in ${replica} while running in ${other}`);
      }
      running.set(name, replica);
    }
    if (what === 'end') running.delete(name);
  }
}

function endsPerReplica(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines.filter((l) => l.startsWith('end '))) {
    const replica = line.split(' ')[1] ?? '';
    counts.set(replica, (counts.get(replica) ?? 0) + 1);
  }
  return counts;
}

const names = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

test('3 replicas share 300 objects: each handled exactly once, never in two replicas, 20–47 % each', async () => {
  const s = (current = await scene('shard-share', HANDLERS, { SHARD_SECONDS: '10' }));
  await replicas(s, ['r1', 'r2', 'r3']);
  const objects = names('obj', 300);
  await createMany(s, objects);
  await allEnded(s, objects);

  const lines = s.runs();
  checkNoOverlap(lines);
  expect(lines.filter((l) => l.startsWith('start ')).length).toBe(300);
  expect(lines.filter((l) => l.startsWith('end ')).length).toBe(300);
  const shares = endsPerReplica(lines);
  expect([...shares.keys()].sort()).toEqual(['r1', 'r2', 'r3']);
  for (const count of shares.values()) {
    expect(count / 300).toBeGreaterThanOrEqual(0.2);
    expect(count / 300).toBeLessThanOrEqual(0.47);
  }
  // Every object carries its replica's label; no drain is left over.
  const listed = await client.list(EXAMPLES, s.ns);
  for (const object of listed.items) {
    expect(object.metadata?.labels?.['kopf.dev/shard-default']).toMatch(/^r[123]$/);
    expect(object.metadata?.labels?.['kopf.dev/drain-default']).toBeUndefined();
  }
}, 240_000); // 300 creations and 3 operators: more than the default 120 s on a busy machine

test('a replica killed mid-handler: the others complete its objects within the Lease duration + 10 s', async () => {
  const s = (current = await scene('shard-kill', HANDLERS, { SHARD_SECONDS: '5', HANDLER_SECONDS: '4' }));
  const [r1, r2, r3] = await replicas(s, ['r1', 'r2', 'r3']);
  // The sharder would need its own Lease to expire first: kill a replica that is not the sharder.
  const sharder = (await client.get(LEASES, s.ns, 'kopf-sharder-default')) as {
    spec?: { holderIdentity?: string };
  };
  const victim = [r1, r2, r3].find((_, i) => `r${i + 1}` !== sharder.spec?.holderIdentity)!;
  const victimId = `r${[r1, r2, r3].indexOf(victim) + 1}`;
  const objects = names('obj', 30);
  await createMany(s, objects);
  await eventually(() => s.runs().some((l) => l.startsWith(`start ${victimId} `)), {
    what: 'a running handler',
  });

  // The victim's objects, as the sharder assigned them (started or still queued in the victim).
  const listed = await client.list(EXAMPLES, s.ns);
  const victims = listed.items
    .filter((o) => o.metadata?.labels?.[shardLabel('default')] === victimId)
    .map((o) => o.metadata?.name ?? '');
  expect(victims.length).toBeGreaterThan(0);

  victim.child.kill('SIGKILL');
  appendFileSync(s.runsFile, `killed ${victimId}\n`);
  // The bound, from the kill, for the victim's objects: the Lease (5 s) + 10 s, plus the handler's own
  // 4 s for the last object handed over. The survivors' own objects are not part of it (on a busy
  // machine, 30 objects of 4 s handlers take long anyway): they only have to end at all.
  await allEnded(s, victims, 5_000 + 10_000 + 4_000);
  await allEnded(s, objects);
  const lines = s.runs();
  checkNoOverlap(lines);
  // The victim was interrupted mid-handler; its objects were completed by the others.
  const interrupted = objects.filter(
    (name) => !lines.includes(`end ${victimId} ${name}`) && lines.includes(`start ${victimId} ${name}`),
  );
  expect(interrupted.length).toBeGreaterThan(0);
  for (const name of interrupted)
    expect(lines.some((l) => l.startsWith('end ') && l.endsWith(` ${name}`))).toBe(true);
  // Each object ended exactly once (an interrupted handler of the killed replica never ended).
  for (const name of objects)
    expect(lines.filter((l) => l.startsWith('end ') && l.endsWith(` ${name}`))).toHaveLength(1);
});

test('scale 1 → 3 → 1 under continuous creates: nothing lost, nothing doubled, no overlap', async () => {
  const s = (current = await scene('shard-scale', HANDLERS, { SHARD_SECONDS: '10' }));
  const r1 = (await replicas(s, ['r1']))[0]!;
  const created: string[] = [];
  let creating = true;
  const creator = (async () => {
    for (let i = 0; creating; i++) {
      const name = `obj-${String(i).padStart(4, '0')}`;
      await s.create(name);
      created.push(name);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await eventually(() => created.length >= 20, { what: 'some objects before scaling up' });
  const more = ['r2', 'r3'].map((id) => start(s, id));
  await eventually(
    () => r1.lines.concat(...more.map((r) => r.lines)).some((l) => l.includes('has 3 member(s)')),
    {
      timeoutMs: 30_000,
      what: 'a ring of 3',
    },
  );
  // r1 gave objects to the newcomers through the drain protocol (after their handlers finished).
  await eventually(() => r1.lines.some((l) => l.includes('Handed over to another replica')), {
    what: 'a drained object acknowledged by r1',
  });
  const before = created.length;
  await eventually(() => created.length >= before + 40, { what: 'more objects while 3 replicas run' });
  expect(await Promise.all(more.map((r) => r.stop()))).toEqual([0, 0]);
  const after = created.length;
  await eventually(() => created.length >= after + 20, { what: 'more objects after scaling down' });
  creating = false;
  await creator;
  await allEnded(s, created);

  const lines = s.runs();
  checkNoOverlap(lines);
  for (const name of created) {
    expect(lines.filter((l) => l.startsWith('start ') && l.endsWith(` ${name}`))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('end ') && l.endsWith(` ${name}`))).toHaveLength(1);
  }
  expect([...endsPerReplica(lines).keys()].sort()).toEqual(['r1', 'r2', 'r3']);
});

test('a replica stopped gracefully hands its objects over at once, without waiting for its Lease to expire', async () => {
  // Leases valid for 10 minutes: only the releases can explain a hand-over within the test.
  const s = (current = await scene('shard-term', HANDLERS, { SHARD_SECONDS: '600', HANDLER_SECONDS: '0' }));
  const [r1, r2] = await replicas(s, ['r1', 'r2']);
  const first = names('one', 20);
  await createMany(s, first);
  await allEnded(s, first);
  expect([...endsPerReplica(s.runs()).keys()].sort()).toEqual(['r1', 'r2']);

  expect(await r2!.stop()).toBe(0);
  expect(r2!.lines.join('\n')).toContain(`Released the Lease ${s.ns}/kopf-shard-default-r2`);
  const second = names('two', 20);
  await createMany(s, second);
  await allEnded(s, second, 30_000);
  expect(s.runs().filter((l) => l.startsWith('end r2 two-'))).toEqual([]);
  // r2's objects are r1's now.
  let labels: string[] = [];
  await eventually(async () => {
    const listed = await client.list(EXAMPLES, s.ns);
    labels = listed.items.map((o) => `${o.metadata?.name}:${JSON.stringify(o.metadata?.labels)}`);
    return listed.items.every((o) => o.metadata?.labels?.['kopf.dev/shard-default'] === 'r1');
  }).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${labels.join(' ')}\n${r1!.lines.join('\n')}`);
  });
});

/** The create handler, and a daemon per object recording `daemon`/`daemon-stop <replica> <name> <reason>`. */
const DAEMONS = `${HANDLERS}
kopf.daemon(examples, async function watcher({ name, stopped }: { name: string; stopped: kopf.DaemonStopped }) {
  record('daemon ' + process.env.REPLICA + ' ' + name);
  await stopped.wait();
  record('daemon-stop ' + process.env.REPLICA + ' ' + name + ' ' + stopped.reason);
});
`;

test('daemons move with their objects: stopped in the old replica before they start in the new one', async () => {
  const s = (current = await scene('shard-daemons', DAEMONS, { SHARD_SECONDS: '10', HANDLER_SECONDS: '0' }));
  const r1 = (await replicas(s, ['r1']))[0]!;
  const objects = names('obj', 12);
  await createMany(s, objects);
  await eventually(() => objects.every((n) => s.runs().includes(`daemon r1 ${n}`)), {
    what: 'daemons in r1',
  });
  start(s, 'r2');
  await eventually(() => s.runs().some((l) => l.startsWith('daemon r2 ')), {
    timeoutMs: 30_000,
    what: 'a daemon moved to r2',
  });
  await eventually(async () => {
    const listed = await client.list(EXAMPLES, s.ns);
    return listed.items.every((o) => o.metadata?.labels?.['kopf.dev/drain-default'] === undefined);
  });
  const lines = s.runs();
  for (const name of objects) {
    const own = lines.filter((l) => l.startsWith('daemon') && l.split(' ')[2] === name);
    // Per object: r1's daemon, and if it moved, r1's stop (as when pausing) before r2's start.
    if (own.some((l) => l.startsWith('daemon r2 '))) {
      expect(own).toEqual([
        `daemon r1 ${name}`,
        `daemon-stop r1 ${name} operator-pausing`,
        `daemon r2 ${name}`,
      ]);
    } else {
      expect(own).toEqual([`daemon r1 ${name}`]);
    }
  }
  void r1;
});

test('a second replica with the same --id fails with a clear error instead of a split brain', async () => {
  const s = (current = await scene('shard-twin', HANDLERS, { SHARD_SECONDS: '10' }));
  await replicas(s, ['twin']);
  const second = start(s, 'twin');
  expect(await second.exited).toBe(1);
  // Whichever of its Leases (membership or sharder) the twin checks first names it.
  expect(second.lines.join('\n')).toMatch(
    new RegExp(
      `Another replica with the same identity 'twin' holds the Lease ${s.ns}/kopf-shard(-default-twin|er-default)`,
    ),
  );
});

test('without permission on Leases, a sharded replica exits naming the missing RBAC rule', async () => {
  const s = (current = await scene('shard-rbac', HANDLERS, { SHARD_SECONDS: '10' }));
  const kubeconfig = await serviceAccountKubeconfigFile(kc, s.ns, 'no-leases');
  const replica = start(s, 'r1', ['--standalone'], { KUBECONFIG: kubeconfig });
  expect(await replica.exited).toBe(1);
  expect(replica.lines.join('\n')).toContain(
    `Sharding is not permitted to get the Lease ${s.ns}/kopf-shard-default-r1. Missing RBAC rule in namespace ${s.ns}: ` +
      'apiGroups ["coordination.k8s.io"], resources ["leases"], verbs ["get"]',
  );
});

test('sharded replicas are one peer: they never pause each other, and kopf freeze pauses them all', async () => {
  const s = (current = await scene('shard-peer', HANDLERS, { SHARD_SECONDS: '10', HANDLER_SECONDS: '0' }));
  await createPeering(s.ns, s.peering);
  const group = await replicas(s, ['r1', 'r2'], ['--peering', s.peering]);
  await createMany(s, names('one', 6));
  await allEnded(s, names('one', 6));

  const env = { KUBECONFIG: cluster.kubeconfig };
  const freeze = spawnKopf(['freeze', '-P', s.peering, '-n', s.ns, '-t', '600'], env);
  expect(await freeze.exited).toBe(0);
  await Promise.all(group.map((r) => r.waitForLine('Pausing operations in favour of')));
  await s.create('two');
  const resume = spawnKopf(['resume', '-P', s.peering, '-n', s.ns], env);
  expect(await resume.exited).toBe(0);
  await allEnded(s, ['two'], 30_000);
  const two = await client.get(EXAMPLES, s.ns, 'two');
  expect(two.metadata?.labels?.[`kopf.dev/shard-${s.peering}`]).toMatch(/^r[12]$/);
  expect(group.flatMap((r) => r.lines).join('\n')).not.toContain('Possibly conflicting operators');
});

const THINGS: ResourceInfo = {
  group: 'sharding.kopf.dev',
  version: 'v1',
  plural: 'shardedthings',
  kind: 'ShardedThing',
  namespaced: false,
};

/** {@link HANDLERS} with an instant create handler on `resource` instead of the KopfExamples' one. */
function handlersFor(resource: ResourceInfo): string {
  const create = `
const served = kopf.resource(${JSON.stringify(resource)});
kopf.on.create(served, function create({ name }: { name: string }) {
  record('start ' + process.env.REPLICA + ' ' + name);
  record('end ' + process.env.REPLICA + ' ' + name);
});`;
  return HANDLERS.replace(/kopf\.on\.create\(examples[^]*?\n}\);/, create);
}

test('cluster-scoped objects are sharded as namespaced ones are', async () => {
  await applyYaml(kc, crdYaml({ ...THINGS, scope: 'Cluster' }));
  await waitForCrd(kc, 'shardedthings.sharding.kopf.dev');
  const s = (current = await scene('shard-cluster', handlersFor(THINGS), { SHARD_SECONDS: '10' }));
  await replicas(s, ['r1', 'r2']);
  const objects = names(s.ns, 20);
  try {
    for (const name of objects) {
      await client.create(THINGS, undefined, {
        apiVersion: 'sharding.kopf.dev/v1',
        kind: 'ShardedThing',
        metadata: { name },
      });
    }
    await allEnded(s, objects);
    const lines = s.runs();
    for (const name of objects)
      expect(lines.filter((l) => l.startsWith('start ') && l.endsWith(` ${name}`))).toHaveLength(1);
    expect([...endsPerReplica(lines).keys()].sort()).toEqual(['r1', 'r2']);
  } finally {
    await Promise.all(objects.map((name) => client.delete(THINGS, undefined, name)));
  }
});

test('objects of a CRD installed after the sharder started are sharded at once, not at its next term', async () => {
  // A group of this run's own: the CRD is cluster-wide, and deleted at the end.
  const late: ResourceInfo = {
    group: `late-${randomBytes(3).toString('hex')}.sharding.kopf.dev`,
    version: 'v1',
    plural: 'latethings',
    kind: 'LateThing',
    namespaced: true,
  };
  const crdName = `${late.plural}.${late.group}`;
  const s = (current = await scene('shard-late', handlersFor(late), { SHARD_SECONDS: '10' }));
  const [r1] = await replicas(s, ['r1']);
  await r1!.waitForLine(/Sharding the objects among the members/);
  try {
    await applyYaml(kc, crdYaml({ ...late, scope: 'Namespaced' }));
    await waitForCrd(kc, crdName);
    await r1!.waitForLine(
      new RegExp(`Resource latethings.v1.${late.group.replaceAll('.', '\\.')} appeared: serving it`),
    );
    await client.create(late, s.ns, {
      apiVersion: `${late.group}/v1`,
      kind: late.kind,
      metadata: { name: 'late-1' },
    });
    // Unsharded objects are handled by nobody: only the sharder's label brings it to its member.
    await s.recorded('end r1 late-1', 60_000);
  } finally {
    await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: crdName });
  }
});
