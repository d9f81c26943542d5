/**
 * An EXPERIMENT, not a contender for the targets: the same kopf-ts operator with
 * `settings.networking.http2 = false` — a pool of HTTP/1.1 connections instead of HTTP/2 streams —
 * to measure what the protocol costs per object (`--only kopf-ts,kopf-ts-http1`; docs/networking.md).
 */
import * as kopf from '../../../runtime/index.ts';
import './operator.ts';

kopf.on.startup(function http1({ settings }) {
  settings.networking.http2 = false;
});
