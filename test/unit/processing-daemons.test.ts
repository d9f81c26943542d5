/** The `stopped` flag of daemons and timers, and the live views they read the object through. */
import { describe, expect, test } from 'vitest';
import { DaemonStopped } from '../../runtime/processing/stopping.ts';
import { liveView } from '../../runtime/processing/views.ts';

describe('stopped flag', () => {
  test('wait() times out with false while running', async () => {
    const stopped = new DaemonStopped();
    const started = Date.now();
    expect(await stopped.wait(0.05)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(stopped.aborted).toBe(false);
  });

  test('stop() wakes waiters with true, aborts the signal, and keeps the first reason', async () => {
    const stopped = new DaemonStopped();
    const waiting = stopped.wait();
    stopped.stop('resource-deleted');
    stopped.stop('operator-exiting');
    expect(await waiting).toBe(true);
    expect(stopped.signal.aborted).toBe(true);
    expect(stopped.reason).toBe('resource-deleted');
    expect(await stopped.wait(10)).toBe(true);
  });
});

describe('live view', () => {
  test('shows the current object, also through spreading and JSON', () => {
    let current: Record<string, unknown> = { spec: { size: 1 } };
    const view = liveView(() => current);
    const captured = { body: view };
    current = { spec: { size: 2 }, status: {} };
    expect(captured.body).toEqual({ spec: { size: 2 }, status: {} });
    expect(JSON.stringify(view)).toBe('{"spec":{"size":2},"status":{}}');
    expect('status' in view).toBe(true);
  });
});
