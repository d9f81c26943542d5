/**
 * kopf-ts: Kubernetes operators in TypeScript, the Kopf way.
 *
 * @example
 * ```ts
 * import * as kopf from 'kopf-ts';
 * const examples = kopf.resource<{ size?: number }, { createFn?: { size?: number } }>({
 *   group: 'kopf.dev', version: 'v1', plural: 'kopfexamples', kind: 'KopfExample', namespaced: true,
 * });
 * kopf.on.create(examples, function createFn({ spec, logger }) {
 *   logger.info(`size=${spec.size}`);
 *   return { size: spec.size }; // → status.createFn
 * });
 * ```
 * @module
 */
export { on } from './api/on.ts';
export {
  timer,
  daemon,
  type SpawnArgs,
  type SpawnHandler,
  type TimerOptions,
  type DaemonOptions,
  type DaemonStopped,
  type StopReason,
} from './api/spawning.ts';
export { resource, EVERYTHING, type Resource, type ResourceQuery } from './api/resources.ts';
export { builtins } from './api/builtins.ts';
export type { EventArgs, EventHandler, EventHandlerOptions, EventType } from './api/event-handlers.ts';
export { index, type Index, type IndexArgs, type IndexHandler } from './api/indexing.ts';
export { register, subhandler, execute, type Subhandler, type SubhandlerOptions } from './api/subhandlers.ts';
export { operator, type OperatorOptions } from './api/operator.ts';
export { run } from './api/running.ts';
export {
  ActivityError,
  type ActivityArgs,
  type ActivityOptions,
  type StartupHandler,
  type CleanupHandler,
  type LoginHandler,
  type ProbeHandler,
} from './api/activities.ts';
export { kubeConfigFromConnection, type ConnectionInfo } from './reactor/credentials.ts';
export { renderMetrics } from './reactor/metrics.ts';
export {
  adopt,
  label,
  appendOwnerReference,
  removeOwnerReference,
  harmonizeNaming,
  adjustNamespace,
  buildOwnerReference,
  buildObjectReference,
  type Adoptable,
  type Adoptables,
  type Owner,
  type OwnerReference,
  type ObjectReference,
  type AdoptOptions,
  type LabelOptions,
} from './api/hierarchies.ts';
export { Registry, defaultRegistry } from './processing/registry.ts';
export { event, info, warn, exception, type EventTargets, type EventOptions } from './api/events.ts';
export {
  TemporaryError,
  PermanentError,
  HandlerTimeoutError,
  HandlerRetriesError,
  AdmissionError,
} from './api/errors.ts';
export {
  WebhookServer,
  type AdmissionArgs,
  type AdmissionHandler,
  type AdmissionOptions,
  type WebhookServerOptions,
} from './api/admission.ts';
export type {
  AdmissionOperation,
  UserInfo,
  WebhookClientConfig,
  WebhookServerLike,
} from './structs/reviews.ts';
export { PRESENT, ABSENT, type FilterValue } from './structs/filters.ts';
export type {
  ChangeArgs,
  ChangeHandler,
  DeleteOptions,
  Essence,
  FieldFilter,
  FilterArgs,
  HandlerOptions,
  NamedResourceArg,
  Patch,
  PatchFn,
  ResourceArg,
  ResumeOptions,
  SpecOf,
  StatusOf,
  TypedObject,
  UpdateOptions,
} from './api/types.ts';
export type { Activity, ErrorsMode, Reason } from './processing/handlers.ts';
export type { ProcessingStats } from './processing/processor.ts';
export type { Diff, DiffItem, DiffOperation } from './structs/diffs.ts';
export type { MergePatch } from './structs/patches.ts';
export type { KubernetesObject, ObjectMeta } from './structs/bodies.ts';
export type { Logger, LogLevel, LogFormat, LogRecord } from './structs/logging.ts';
export { configureLogging, addLogListener } from './structs/logging.ts';
export {
  defaultSettings,
  makeSettings,
  type LifecycleFn,
  type OperatorSettings,
  type SettingsOverrides,
} from './structs/settings.ts';
export type { ResourceInfo } from '../common/resources.ts';
