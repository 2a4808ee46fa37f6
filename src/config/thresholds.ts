import { STEP_NAMES, type StepName } from '../model/report.js';
import type { PingThreshold } from '../model/target.js';

/**
 * parseStepThresholds reads per-step time limits: a mapping (probes.yaml `stepWarnMs: { tls:
 * 500 }`) or the flag's `STEP=MS[,STEP=MS]` (`--step-warn-ms tls=500,auth=2000`). Returns the
 * problem in words when the value is not that, so the caller names the field.
 */
export function parseStepThresholds(raw: string | Record<string, number>): Partial<Record<StepName, number>> | string {
  const entries: [string, unknown][] = typeof raw === 'string'
    ? raw.split(',').map((part) => {
      const [k, v, ...rest] = part.split('=');
      return [k?.trim() ?? '', rest.length ? NaN : v === undefined ? NaN : Number(v.trim())];
    })
    : Object.entries(raw);
  const out: Partial<Record<StepName, number>> = {};
  for (const [step, ms] of entries) {
    if (!(STEP_NAMES as readonly string[]).includes(step)) return `"${step}" is not a step (${STEP_NAMES.join(', ')})`;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > 3_600_000) return `${step}: a whole number of milliseconds (1 to 3600000), as STEP=MS[,STEP=MS]`;
    out[step as StepName] = ms;
  }
  return out;
}

/**
 * parsePingThreshold reads check_ping's `-w`/`-c` form: `RTT_MS,LOSS%` (e.g. `100,20%`):
 * the average round-trip time in milliseconds and the packet loss in percent.
 */
export function parsePingThreshold(raw: string): PingThreshold | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw);
  if (!m) return `"${raw}" is not RTT_MS,LOSS% (check_ping's form, e.g. 100,20%)`;
  const rttMs = Number(m[1]);
  const lossPct = Number(m[2]);
  if (lossPct > 100) return `loss ${lossPct}% is above 100%`;
  return { rttMs, lossPct };
}
