/**
 * Who this operator is to its peers and to its Lease. Kopf's peering identity is `$POD_ID`, else
 * `user@host/YYYYmmddHHMMSS/xyz` (`user@host` for `kopf freeze/resume`, so that a resume lifts the
 * same user's freeze). Leases follow Kubernetes' custom: `--id`, else `$POD_NAME`, else `host-pid`.
 */
import { hostname, userInfo } from 'node:os';

const RANDOM_CHARS = 'abcdefhijklmnopqrstuvwxyz0123456789'; // Kopf's alphabet (no "g")

/** Kopf's peering identity; `manual` (freeze/resume) leaves out the start time and the random part. */
export function peeringIdentity(
  options: { manual: boolean; env?: NodeJS.ProcessEnv; now?: Date } = { manual: false },
): string {
  const env = options.env ?? process.env;
  if (env.POD_ID !== undefined) return env.POD_ID;
  const who = `${userName(env)}@${hostname()}`;
  if (options.manual) return who;
  const stamp = (options.now ?? new Date()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const random = Array.from(
    { length: 3 },
    () => RANDOM_CHARS[Math.floor(Math.random() * RANDOM_CHARS.length)],
  ).join('');
  return `${who}/${stamp}/${random}`;
}

/** The holder identity for Leases: `$POD_NAME`, else `host-pid` (unique per process on a host). */
export function leaseIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return env.POD_NAME || `${hostname()}-${process.pid}`;
}

function userName(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry.
    return env.USER ?? env.LOGNAME ?? String(process.getuid?.() ?? 'unknown');
  }
}
