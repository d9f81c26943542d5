/**
 * Handler progress as Kopf persists it (`ProgressRecord`) and as one cycle works with it
 * (`HandlerState`): when it started, how often it was retried, until when it is delayed, how it ended.
 */
import { formatTimestamp, parseTimestamp, preciseNow } from './times.ts';

/** The persisted JSON record, field order as Kopf writes it; absent fields are omitted. */
export interface ProgressRecord {
  started?: string;
  stopped?: string;
  delayed?: string;
  purpose?: string;
  retries?: number;
  success?: boolean;
  failure?: boolean;
  message?: string;
  subrefs?: string[];
}

/** One handler's state during a cycle. */
export interface HandlerState {
  /** Participates in this cycle's `done`/delays (false: only carried for counting and purging). */
  active: boolean;
  started: Date;
  stopped: Date | undefined;
  delayed: Date | undefined;
  purpose: string | undefined;
  retries: number;
  success: boolean;
  failure: boolean;
  message: string | undefined;
  subrefs: string[];
  /** The record as read, to write only what changed. */
  origin: ProgressRecord | undefined;
  /** `started` as persisted text with microseconds, for states started in this process. */
  startedText?: string | undefined;
}

/** What one attempt of a handler ended with. */
export interface Outcome {
  /** No more attempts (success, permanent failure, or ignored error). */
  final: boolean;
  /** Seconds until the next attempt (non-final outcomes). */
  delay?: number | undefined;
  error?: Error | undefined;
  result?: unknown;
}

/** A handler's first state; without `now`, stamped with its own microsecond-precise time, as Kopf does. */
export function freshState(purpose: string | undefined, now?: Date): HandlerState {
  const stamp = now === undefined ? preciseNow() : { date: now, text: undefined };
  return {
    active: true,
    started: stamp.date,
    startedText: stamp.text,
    stopped: undefined,
    delayed: undefined,
    purpose,
    retries: 0,
    success: false,
    failure: false,
    message: undefined,
    subrefs: [],
    origin: undefined,
  };
}

export function stateFromRecord(record: ProgressRecord, now = new Date()): HandlerState {
  const parse = (text: unknown) => (typeof text === 'string' ? parseTimestamp(text) : undefined);
  return {
    active: false,
    started: parse(record.started) ?? now,
    stopped: parse(record.stopped),
    delayed: parse(record.delayed),
    purpose: record.purpose || undefined,
    retries: typeof record.retries === 'number' ? record.retries : 0,
    success: record.success === true,
    failure: record.failure === true,
    message: typeof record.message === 'string' ? record.message : undefined,
    subrefs: Array.isArray(record.subrefs) ? record.subrefs.map(String) : [],
    origin: record,
  };
}

/** The record to persist (Kopf's `as_in_storage`: absent values dropped, key order kept). */
export function recordFromState(state: HandlerState): ProgressRecord {
  // JS dates keep milliseconds only: re-use the stored text of unchanged times (Kopf writes microseconds).
  const format = (date: Date, stored: string | undefined) =>
    stored !== undefined && parseTimestamp(stored)?.getTime() === date.getTime()
      ? stored
      : formatTimestamp(date);
  const record: ProgressRecord = {
    started: format(state.started, state.origin?.started ?? state.startedText),
  };
  if (state.stopped) record.stopped = format(state.stopped, state.origin?.stopped);
  if (state.delayed) record.delayed = format(state.delayed, state.origin?.delayed);
  if (state.purpose !== undefined) record.purpose = state.purpose;
  record.retries = state.retries;
  record.success = state.success;
  record.failure = state.failure;
  if (state.message !== undefined) record.message = state.message;
  if (state.subrefs.length) record.subrefs = [...state.subrefs].sort();
  return record;
}

export function isFinished(state: HandlerState): boolean {
  return state.success || state.failure;
}

/** Due now: not finished and not delayed into the future. */
export function isAwake(state: HandlerState, now = new Date()): boolean {
  return !isFinished(state) && (!state.delayed || state.delayed.getTime() <= now.getTime());
}

/** Seconds since the first attempt. */
export function runtimeOf(state: Pick<HandlerState, 'started'>, now = new Date()): number {
  return (now.getTime() - state.started.getTime()) / 1000;
}

/** The state after an attempt's outcome (Kopf's `with_outcome`). */
export function withOutcome(state: HandlerState, outcome: Outcome, now = new Date()): HandlerState {
  return {
    ...state,
    stopped: state.stopped ?? (outcome.final ? now : undefined),
    delayed:
      outcome.delay !== undefined && !outcome.final
        ? new Date(now.getTime() + outcome.delay * 1000)
        : undefined,
    success: outcome.final && !outcome.error,
    failure: outcome.final && !!outcome.error,
    retries: state.retries + 1,
    message: outcome.error ? outcome.error.message || outcome.error.name : undefined,
  };
}
