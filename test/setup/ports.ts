/** Loopback TCP ports for tests: a free one to hand to a server, or one held to make it "already taken". */
import { createServer } from 'node:net';

export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/** Listen on a free loopback port and keep it until `release()`. */
export async function holdPort(): Promise<HeldPort> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP port free on 127.0.0.1 right now (held only while it is picked). */
export async function freePort(): Promise<number> {
  const held = await holdPort();
  await held.release();
  return held.port;
}
