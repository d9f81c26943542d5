/**
 * Kopf-compatible peering between `kopf run` processes on one peering object: the higher priority
 * pauses the lower (streams closed, daemons stopped) and the lower resumes with a re-list when the
 * higher one leaves; equal priorities all pause with a warning; `kopf freeze`/`kopf resume`; mandatory
 * peering without its object stays paused until the object appears.
 */
import { afterEach, beforeAll, expect, test } from 'vitest';
import { eventually } from '../../runtime/testing/index.ts';
import { spawnKopf, STARTUP_MS } from './cli-kit.ts';
import { cluster, createPeering, installScalingCrds, scene, type Scene } from './scaling-kit.ts';

let current: Scene | undefined;
beforeAll(installScalingCrds);
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

test('a higher priority pauses the lower one (daemons stop), and the lower one resumes when it leaves', async () => {
  const s = (current = await scene('peer-prio'));
  await createPeering(s.ns, s.peering);
  const low = s.start('low', ['--peering', s.peering, '--priority', '10']);
  await s.create('one');
  await s.recorded('end low one');
  await s.recorded('daemon low one');

  const high = s.start('high', ['--peering', s.peering, '--priority', '20']);
  await low.waitForLine('Pausing operations in favour of');
  await s.recorded('daemon-stop low one operator-pausing');
  await s.recorded('daemon high one');
  await s.create('two');
  await s.recorded('end high two');

  expect(await high.stop()).toBe(0);
  await low.waitForLine('Resuming operations after the pause');
  await s.recorded('daemon low two'); // the re-list after resuming spawns the daemons again
  await s.create('three');
  await s.recorded('end low three');
  // Each object was created (handled) exactly once, by whoever was active at the time.
  expect(s.runs().filter((line) => line.startsWith('end '))).toEqual([
    'end low one',
    'end high two',
    'end low three',
  ]);
});

test('operators of the same priority all pause with a warning; the survivor resumes when the other leaves', async () => {
  const s = (current = await scene('peer-same'));
  await createPeering(s.ns, s.peering);
  const first = s.start('first', ['--peering', s.peering]);
  await first.waitForLine('Keep-alive in');
  const second = s.start('second', ['--peering', s.peering]);
  // The first pauses on seeing the second; the second (mandatory peering) has been paused from its start.
  await first.waitForLine('Pausing all operators, including self');
  await second.waitForLine('Possibly conflicting operators with the same priority');
  await s.create('one');
  await eventually(() => first.lines.some((l) => l.includes('The operator is paused')), {
    timeoutMs: STARTUP_MS,
  });
  expect(await second.stop()).toBe(0);
  await first.waitForLine('Resuming operations after the pause');
  await s.recorded('end first one');
  expect(s.runs().filter((line) => line.startsWith('start '))).toEqual(['start first one']);
});

test('kopf freeze pauses the operators of a peering; kopf resume lets them continue', async () => {
  const s = (current = await scene('peer-freeze'));
  await createPeering(s.ns, s.peering);
  const operator = s.start('op', ['--peering', s.peering]);
  await s.create('one');
  await s.recorded('end op one');

  const env = { KUBECONFIG: cluster.kubeconfig };
  const freeze = spawnKopf(['freeze', '-P', s.peering, '-n', s.ns, '-t', '600', '-m', 'maintenance'], env);
  expect(await freeze.exited).toBe(0);
  expect(freeze.lines.join('\n')).toMatch(
    /Frozen '.+' \(KopfPeering\) in '.+' as .+ \(priority 100\) for 600 s/,
  );
  await operator.waitForLine('Pausing operations in favour of');
  await s.create('two');

  const resume = spawnKopf(['resume', '-P', s.peering, '-n', s.ns], env);
  expect(await resume.exited).toBe(0);
  await operator.waitForLine('Resuming operations after the pause');
  await s.recorded('end op two');
});

test('kopf freeze names what is missing when the peering object does not exist', async () => {
  const s = (current = await scene('peer-nofreeze'));
  const freeze = spawnKopf(['freeze', '-P', s.peering, '-n', s.ns, '-t', '60'], {
    KUBECONFIG: cluster.kubeconfig,
  });
  expect(await freeze.exited).toBe(1);
  expect(freeze.lines.join('\n')).toContain(
    `The peering object '${s.peering}' (KopfPeering) in '${s.ns}' does not exist`,
  );
});

test('--peering NAME is mandatory: without the object the operator stays paused until it is created', async () => {
  const s = (current = await scene('peer-mandatory'));
  const operator = s.start('op', ['--peering', s.peering]);
  await operator.waitForLine(`The peering object '${s.peering}' (KopfPeering) in '${s.ns}' does not exist`);
  await s.create('one');
  await createPeering(s.ns, s.peering);
  // The next keep-alive (or the object's ADDED event) lets it resume; then the listing brings 'one'.
  await s.recorded('end op one', 90_000);
  expect(operator.lines.join('\n')).toContain('The operator is resumed.');
});
