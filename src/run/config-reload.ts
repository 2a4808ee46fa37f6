import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../model/deadline.js';

/** ReloadOutcome: what a reload of probes.yaml did, in one line for the log and the HTTP answer. */
export type ReloadOutcome = { ok: true; message: string } | { ok: false; message: string };

/**
 * ReloadStatus publishes the outcome of the last configuration reload the way Prometheus and
 * its exporters do (`..._config_last_reload_successful`, `..._success_timestamp_seconds`), so
 * an alert can fire when a broken probes.yaml was refused and the exporter still runs the old one.
 * Loading the file at start counts as the first successful load.
 */
export class ReloadStatus {
  readonly #successful: Gauge;
  readonly #lastSuccess: Gauge;

  constructor(registry: Registry, private readonly clock: Clock) {
    this.#successful = new Gauge({
      name: 'smtprobe_exporter_config_last_reload_successful',
      help: 'Whether the last configuration reload (SIGHUP or POST /-/reload) succeeded (1) or was refused and the previous configuration kept (0)',
      registers: [registry],
    });
    this.#lastSuccess = new Gauge({
      name: 'smtprobe_exporter_config_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful configuration load',
      registers: [registry],
    });
    this.#successful.set(1);
    this.#lastSuccess.set(Math.floor(clock.now() / 1000));
  }

  /** record notes one reload's outcome. */
  record(outcome: ReloadOutcome): ReloadOutcome {
    this.#successful.set(outcome.ok ? 1 : 0);
    if (outcome.ok) this.#lastSuccess.set(Math.floor(this.clock.now() / 1000));
    return outcome;
  }
}
