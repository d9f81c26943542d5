/** Progress records and timestamps as Kopf persists them. */
import { describe, expect, test } from 'vitest';
import {
  freshState,
  isAwake,
  recordFromState,
  stateFromRecord,
  withOutcome,
} from '../../runtime/structs/progress.ts';
import { formatTimestamp, parseTimestamp } from '../../runtime/structs/times.ts';

describe('timestamps', () => {
  test('are formatted with microseconds and +00:00', () => {
    expect(formatTimestamp(new Date('2020-12-31T23:59:59.123Z'))).toBe('2020-12-31T23:59:59.123000+00:00');
  });
  test.each([
    ['2020-12-31T23:59:59.123456+00:00', '2020-12-31T23:59:59.123Z'],
    ['2020-02-14T16:58:25.396364', '2020-02-14T16:58:25.396Z'],
    ['2020-02-14T16:58:25', '2020-02-14T16:58:25.000Z'],
    ['2020-02-14T16:58:25.5Z', '2020-02-14T16:58:25.500Z'],
  ])('parse %s (aware or naive)', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });
  test('garbage is undefined', () => {
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
});

describe('started, as Kopf stamps it', () => {
  test('each fresh handler state has its own microsecond timestamp, later than the previous one', () => {
    const texts = Array.from({ length: 50 }, () => recordFromState(freshState('create')).started!);
    for (const text of texts) expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(new Set(texts).size).toBe(texts.length);
    expect([...texts].sort()).toEqual(texts);
  });

  test('the microsecond text names the same millisecond as the state’s date', () => {
    const state = freshState('create');
    expect(parseTimestamp(recordFromState(state).started!)?.getTime()).toBe(state.started.getTime());
  });
});

describe('records', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');

  test('a fresh record lists Kopf’s fields in Kopf’s order', () => {
    const record = recordFromState(freshState('create', now));
    expect(JSON.stringify(record)).toBe(
      '{"started":"2026-01-01T00:00:00.000000+00:00","purpose":"create","retries":0,"success":false,"failure":false}',
    );
  });

  test('a temporary failure is delayed, counted, and keeps the message', () => {
    const state = withOutcome(
      freshState('update', now),
      { final: false, delay: 30, error: new Error('later') },
      now,
    );
    expect(recordFromState(state)).toEqual({
      started: '2026-01-01T00:00:00.000000+00:00',
      delayed: '2026-01-01T00:00:30.000000+00:00',
      purpose: 'update',
      retries: 1,
      success: false,
      failure: false,
      message: 'later',
    });
    expect(isAwake(state, now)).toBe(false);
    expect(isAwake(state, new Date(now.getTime() + 30_000))).toBe(true);
  });

  test('success and permanent failure are final and stopped', () => {
    const ok = withOutcome(freshState('create', now), { final: true, result: 1 }, now);
    expect(recordFromState(ok)).toMatchObject({
      stopped: '2026-01-01T00:00:00.000000+00:00',
      success: true,
      failure: false,
    });
    const bad = withOutcome(freshState('create', now), { final: true, error: new Error('no') }, now);
    expect(recordFromState(bad)).toMatchObject({ success: false, failure: true, message: 'no' });
  });

  test('a stored record round-trips unchanged, microseconds included', () => {
    const stored = {
      started: '2026-03-14T10:00:00.123456+00:00',
      stopped: '2026-03-14T10:00:00.234567+00:00',
      purpose: 'update',
      retries: 1,
      success: true,
      failure: false,
    };
    expect(recordFromState(stateFromRecord(stored))).toEqual(stored);
  });
});
