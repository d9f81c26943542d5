/**
 * An EXPERIMENT, not a contender for the targets: the same kopf-ts operator, with the HTTPS agent that
 * kopf-ts creates (runtime/client/credentials.ts) given a bounded keep-alive pool and one shared TLS
 * context — to quantify what the client's connection handling costs. The bench patches `https.Agent`
 * before kopf-ts creates its agent (the CLI loads this file before it connects); nothing else changes.
 * Not run by default (`--only kopf-ts-pooled`): kopf-ts adopted both (runtime/client/credentials.ts)
 * after this experiment showed ~2× throughput and a third of the p99 latency on bursts.
 */
import https from 'node:https';
import tls from 'node:tls';
import './operator.ts';

const maxSockets = Number(process.env['BENCH_POOLED_MAX_SOCKETS'] ?? '16');
const Original = https.Agent;
class PooledAgent extends Original {
  constructor(options: https.AgentOptions = {}) {
    const { ca, cert, key } = options;
    super({
      ...options,
      maxSockets,
      ...(options.secureContext || !(ca || cert || key)
        ? {}
        : { secureContext: tls.createSecureContext({ ca, cert, key }) }),
    });
  }
}
(https as { Agent: typeof https.Agent }).Agent = PooledAgent;
