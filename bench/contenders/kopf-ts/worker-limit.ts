/**
 * An EXPERIMENT for the burst peak (issue #11): the same kopf-ts operator with
 * `settings.queueing.workerLimit = 100` — at most 100 objects processed at once, as controller-runtime's
 * MaxConcurrentReconciles in this bench — to measure what bounding a burst saves in peak RSS and costs in
 * throughput (`--only kopf-ts,kopf-ts-workers --measures throughput --n 1000`; docs/benchmarks.md).
 */
import * as kopf from '../../../runtime/index.ts';
import './operator.ts';

kopf.on.startup(function boundedWorkers({ settings }) {
  settings.queueing.workerLimit = 100;
});
