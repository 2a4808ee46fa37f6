import { ConfigError } from './config-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * parseDuration reads `60s`, `5m`, `1h`, `500ms`, `1m30s` or a bare number of seconds — the
 * forms Prometheus's own durations use — into milliseconds.
 */
export function parseDuration(text: string, field: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== s) throw new ConfigError(field, `"${text}" is not a duration (e.g. 30s, 5m, 1h)`);
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] ?? 's'] ?? 1000), 0);
  if (ms <= 0) throw new ConfigError(field, 'must be longer than zero');
  return Math.round(ms);
}
