import { NetPingSessions } from '../probe/path/net-ping-pinger.js';
import type { EchoOutcome, EchoRequest, Pinger, PingerOpenResult, PingerSource } from '../probe/path/pinger.js';
import type { IcmpAvailability, PingerOpenResultInTransit } from './worker-message.js';

/**
 * ICMP across threads. The raw-socket addon behind net-ping is not safe to load in two threads
 * (it keeps V8 handles in static storage: a second worker pinging crashes the process), and a
 * run should hold one raw socket per address family anyway. So the main thread keeps the run's
 * one set of ICMP sessions (`IcmpRelay`) and the workers' ICMP and path steps send their echo
 * requests to it (`RelayedPingers`), one message each way per echo.
 */

const NOT_ASKED: PingerOpenResultInTransit = { ok: false, notPermitted: false, message: 'ICMP availability not sent with this probe (a bug in smtprobe)' };

/** IcmpRelay: the main thread's side: the run's ICMP sessions, lent to every worker. */
export class IcmpRelay {
  readonly #sessions = new NetPingSessions();
  readonly #pingers = new Map<4 | 6, Pinger>();

  /**
   * availability: whether each family's raw socket opens now, for a probe about to ping. Asked
   * before the probe, because a step opens its pinger synchronously (and says why it could not).
   */
  availability(): IcmpAvailability {
    return { 4: this.#open(4), 6: this.#open(6) };
  }

  /** echo sends one echo request on the family's shared session. */
  echo(family: 4 | 6, req: EchoRequest): Promise<EchoOutcome> {
    const pinger = this.#pingers.get(family);
    if (!pinger) return Promise.resolve({ kind: 'error', message: `no ICMPv${family === 4 ? '4' : '6'} socket open` });
    return pinger.echo(req);
  }

  /** close releases the sockets (outstanding echoes still end). */
  close(): void {
    for (const p of this.#pingers.values()) p.close();
    this.#pingers.clear();
  }

  #open(family: 4 | 6): PingerOpenResultInTransit {
    if (this.#pingers.has(family)) return { ok: true };
    const opened = this.#sessions.open(family);
    if (!opened.ok) return opened;
    this.#pingers.set(family, opened.pinger);
    return { ok: true };
  }
}

/**
 * RelayedPingers: a worker's side: pingers whose echoes the main thread sends (`send` posts one
 * echo request and resolves with its outcome). Whether a family can be opened is what the main
 * thread last said, with the job of a probe that pings (`update`).
 */
export class RelayedPingers implements PingerSource {
  #availability: IcmpAvailability = { 4: NOT_ASKED, 6: NOT_ASKED };

  constructor(readonly send: (family: 4 | 6, req: EchoRequest) => Promise<EchoOutcome>) {}

  update(availability: IcmpAvailability): void {
    this.#availability = availability;
  }

  open = (family: 4 | 6): PingerOpenResult => {
    const a = this.#availability[family];
    if (!a.ok) return a;
    let closed = false;
    const pinger: Pinger = {
      family,
      echo: (req) => (closed ? Promise.resolve({ kind: 'error', message: 'pinger closed' }) : this.send(family, req)),
      close: () => {
        closed = true;
      },
    };
    return { ok: true, pinger };
  };
}
