import type { Report } from '../model/report.js';

/** OUTPUT_FORMATS: every `--format` value of `check` and `run`. */
export const OUTPUT_FORMATS = ['human', 'json', 'ndjson', 'nagios', 'junit', 'prometheus'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** RenderOptions: what the CLI decides about the terminal. Renderers never look at it themselves. */
export interface RenderOptions {
  color: boolean;
  /** human: append the redacted SMTP dialogue. */
  transcript: boolean;
  /** run: targets not probed because the run was interrupted. */
  notRun?: readonly string[];
  /** human: terminal width to wrap to; undefined: no wrapping. */
  width?: number | undefined;
}

/**
 * Renderer: one output format, for one report (`check`) and for a run's reports (`run`).
 * Pure functions of the Reports (docs/design.md, "Layers and imports"); the CLI writes the string.
 */
export interface Renderer {
  one(report: Report, opts: RenderOptions): string;
  many(reports: readonly Report[], opts: RenderOptions): string;
}

/**
 * RENDERERS: the format → renderer table `check` and `run` share. Each entry loads its module
 * on demand, so `smtprobe check` pays only for the format it prints.
 */
const RENDERERS: Record<OutputFormat, () => Promise<Renderer>> = {
  human: async () => {
    const [{ renderHuman }, { renderSummaryTable }] = await Promise.all([import('./human.js'), import('./summary-table.js')]);
    return {
      one: (r, o) => renderHuman(r, { color: o.color, transcript: o.transcript, width: o.width }),
      many: (rs, o) => renderSummaryTable(rs, { color: o.color, notRun: o.notRun ?? [], width: o.width }),
    };
  },
  json: async () => {
    const { renderJson } = await import('./json.js');
    // A run is an object, not a bare array, so that the partial-run note has a place.
    return { one: (r) => renderJson(r), many: (rs, o) => `${JSON.stringify({ reports: rs, notRun: o.notRun ?? [] }, null, 2)}\n` };
  },
  ndjson: async () => {
    const { renderNdjson, renderNdjsonLine } = await import('./ndjson.js');
    return { one: (r) => renderNdjsonLine(r), many: (rs) => renderNdjson(rs) };
  },
  nagios: async () => {
    const { renderNagios, renderNagiosFleet } = await import('./nagios.js');
    return { one: (r) => renderNagios(r), many: (rs, o) => renderNagiosFleet(rs, o.notRun ?? []) };
  },
  junit: async () => {
    const { renderJunit } = await import('./junit.js');
    return { one: (r) => renderJunit([r]), many: (rs, o) => renderJunit(rs, o.notRun ?? []) };
  },
  prometheus: async () => {
    const { renderPrometheus, renderPrometheusFleet } = await import('./prometheus.js');
    return { one: (r) => renderPrometheus(r), many: (rs) => renderPrometheusFleet(rs) };
  },
};

/** loadRenderer returns the renderer of a format. */
export function loadRenderer(format: OutputFormat): Promise<Renderer> {
  return RENDERERS[format]();
}

/** isOutputFormat narrows a flag value. */
export function isOutputFormat(s: string): s is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(s);
}
