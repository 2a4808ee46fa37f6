import type { Socket } from 'node:net';

/**
 * ServerResources owns every socket and timer one mock server creates, so that `close()`
 * can end them all: a scenario that tarpits, delays or never answers must not leave a
 * socket or a timer behind when the test that started it finishes.
 */
export class ServerResources {
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #immediates = new Set<NodeJS.Immediate>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * openSockets: accepted connections not yet closed. A plain socket that TLS took over
   * never emits 'close' itself (the TLSSocket owns its handle), so closed ones are pruned here.
   */
  get openSockets(): number {
    this.#prune();
    return this.#sockets.size;
  }

  #prune(): void {
    for (const s of this.#sockets) if (s.closed) this.#sockets.delete(s);
    for (const s of this.#wrappers) if (s.closed) this.#wrappers.delete(s);
  }

  /**
   * trackWrapper registers a TLS socket layered over `parent` (a tracked socket): closeAll
   * destroys the TLS socket, never the parent under it — tearing a TLS wrap down from
   * below in the middle of a handshake crashes Node.
   */
  trackWrapper(socket: Socket, parent: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#wrappers.add(socket);
    this.#wrapped.add(parent);
    socket.once('close', () => this.#wrappers.delete(socket));
  }

  readonly #wrapped = new WeakSet<Socket>();
  readonly #wrappers = new Set<Socket>();

  /** track registers an accepted socket; it is forgotten when it closes. */
  track(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /** later runs `fn` after `ms` unless the server closes first. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  /** every runs `fn` each `ms` until cancelled or the server closes. */
  every(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setInterval(fn, ms);
    this.#timers.add(t);
    return t;
  }

  /** cancel stops a timer from `later` or `every`. */
  cancel(t: NodeJS.Timeout): void {
    clearTimeout(t);
    clearInterval(t);
    this.#timers.delete(t);
  }

  /** soon runs `fn` on the next turn of the event loop unless the server closes first. */
  soon(fn: () => void): void {
    const i = setImmediate(() => {
      this.#immediates.delete(i);
      fn();
    });
    this.#immediates.add(i);
  }

  /** sleep resolves after `ms`, or at once when the server closes, so no session awaits forever. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#sleepers.delete(done);
        resolve();
      };
      this.#sleepers.add(done);
      this.later(ms, done);
    });
  }

  readonly #sleepers = new Set<() => void>();

  /**
   * socketsClosed resolves once every tracked socket has closed. A plain socket under TLS may
   * never emit 'close' (see openSockets), so each wait is bounded by `graceMs`.
   */
  async socketsClosed(graceMs = 200): Promise<void> {
    this.#prune();
    const waits = [...this.#sockets, ...this.#wrappers]
      .filter((s) => !s.closed)
      .map(
        (s) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, graceMs);
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      );
    await Promise.all(waits);
    this.#prune();
  }

  /**
   * closeAll destroys every socket and clears every timer; later calls are no-ops. Sockets
   * in `spare` are left to the caller (an engine that closes them its own safe way).
   */
  closeAll(spare: ReadonlySet<Socket> = new Set()): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.#timers.clear();
    for (const i of this.#immediates) clearImmediate(i);
    this.#immediates.clear();
    for (const wake of [...this.#sleepers]) wake();
    for (const s of this.#wrappers) s.destroy();
    for (const s of this.#sockets) if (!this.#wrapped.has(s) && !spare.has(s)) s.destroy();
  }
}
