/** A TCP port held by a listener of the test, for the "port already taken" scenarios. */
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
