import type { Socket } from 'node:net';
import type { ServerResources } from './server-resources.js';

/**
 * SessionOutput: where a raw session's bytes go. The socket is looked up on every write,
 * because STARTTLS swaps the plain socket for a TLS one mid-session.
 */
export interface SessionOutput {
  write(data: string | Buffer): void;
  /** end closes gracefully (FIN) once everything written so far has gone out. */
  end(): void;
}

/** directOutput writes straight to the socket. */
export function directOutput(socket: () => Socket): SessionOutput {
  return {
    write: (data) => {
      const s = socket();
      if (!s.destroyed && s.writable) s.write(data);
    },
    end: () => {
      const s = socket();
      if (!s.destroyed) s.end();
    },
  };
}

/**
 * dripOutput is the tarpit: it sends `bytesPerTick` bytes every `intervalMs`, however much
 * is queued, so a greeting of 30 bytes takes 30 seconds at the default one byte a second.
 * The timer runs only while bytes are queued and belongs to the server's resources.
 */
export function dripOutput(socket: () => Socket, resources: ServerResources, intervalMs: number, bytesPerTick: number): SessionOutput {
  let queue = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  let ending = false;
  const tick = (): void => {
    const s = socket();
    if (s.destroyed || !s.writable) {
      stop();
      return;
    }
    if (queue.length > 0) {
      s.write(queue.subarray(0, bytesPerTick));
      queue = queue.subarray(bytesPerTick);
    }
    if (queue.length === 0) {
      stop();
      if (ending) s.end();
    }
  };
  const stop = (): void => {
    if (timer) resources.cancel(timer);
    timer = undefined;
  };
  return {
    write: (data) => {
      queue = Buffer.concat([queue, typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
      timer ??= resources.every(intervalMs, tick);
    },
    end: () => {
      ending = true;
      if (queue.length === 0) socket().end();
    },
  };
}
