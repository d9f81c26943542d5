import { expect, test } from 'vitest';
import { ToggleSet } from '../../runtime/structs/toggles.ts';

test('a toggle set is on while any of its toggles is on, and tells listeners about every change', () => {
  const set = new ToggleSet();
  const changes: boolean[] = [];
  set.onChange((on) => changes.push(on));
  const peering = set.makeToggle('peering');
  const standby = set.makeToggle('standby', true);
  expect(set.isOn()).toBe(true);
  peering.turnTo(true);
  standby.turnTo(false);
  expect(set.reasons()).toEqual(['peering']);
  peering.turnTo(false);
  expect(set.isOn()).toBe(false);
  expect(changes).toEqual([true, false]);
});

test('dropping a toggle that is on resumes; waitFor resolves on the wanted state', async () => {
  const set = new ToggleSet();
  const toggle = set.makeToggle('peering', true);
  let resumed = false;
  const waiting = set.waitFor(false).then(() => (resumed = true));
  await Promise.resolve();
  expect(resumed).toBe(false);
  set.dropToggle(toggle);
  await waiting;
  expect(resumed).toBe(true);
  await set.waitFor(false); // already off: at once
});

test('waitFor ends when its signal aborts', async () => {
  const set = new ToggleSet();
  set.makeToggle('x', true);
  const controller = new AbortController();
  const waiting = set.waitFor(false, controller.signal);
  controller.abort();
  await waiting;
  expect(set.isOn()).toBe(true);
});
