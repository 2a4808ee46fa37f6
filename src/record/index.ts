/**
 * record: a Report (or an Exchange SMTP Send protocol log) in, a redacted scenario file out
 * that the mock smart host replays (docs/record.md). Pure functions: the CLI writes files.
 */
import type { Report } from '../model/report.js';
import type { Scenario } from '../mock/scenario-schema.js';
import { exchangeLogToScenario } from './exchange-log-to-scenario.js';
import { readSendLog } from './exchange-log.js';
import { renderScenarioYaml } from './scenario-writer.js';
import { otherAddressDialogues, recordedAddress, recordedDialogue, reportToScenario, type RecordOptions, type ScenarioDocument } from './transcript-to-scenario.js';

export { reportToScenario, recordedDialogue, otherAddressDialogues, DEFAULT_MIN_DELAY_MS, RecordError } from './transcript-to-scenario.js';
export type { RecordOptions, ScenarioDocument } from './transcript-to-scenario.js';
export { renderScenarioYaml, scenarioNameFor } from './scenario-writer.js';
export { readSendLog, ExchangeLogError, isFailing, notedFailures } from './exchange-log.js';
export type { SelectedSession } from './exchange-log.js';
export { exchangeLogToScenario } from './exchange-log-to-scenario.js';
export type { ExchangeImport } from './exchange-log-to-scenario.js';
export { Redactor, USER_PLACEHOLDER, REPLAY_PASSWORD, CHALLENGE_PLACEHOLDER, SECRET_PLACEHOLDER } from './redact.js';

/** A recording: the YAML text to write and the scenario it replays. */
export interface Recording {
  text: string;
  scenario: Scenario;
}

/**
 * recordReport: a Report as a scenario file, with the redacted dialogue as its comment. With
 * --all-addresses it replays the first address's session and shows every other address's
 * dialogue below it, each under its address.
 */
export function recordReport(report: Report, opts: RecordOptions & { output?: string | undefined }): Recording {
  const doc = reportToScenario(report, opts);
  const t = report.target;
  const first = recordedAddress(report);
  return renderScenarioYaml(doc, {
    source: `smtprobe check ${t.host}:${t.port}${t.name !== `${t.host}:${t.port}` ? ` (${t.name})` : ''} at ${report.startedAt}`,
    notesTitle: first
      ? `Recorded dialogue of ${first.address}, the address replayed (address 1 of ${report.addresses?.length ?? 0}; ms, direction, line; redacted):`
      : 'Recorded dialogue (ms, direction, line; redacted):',
    notes: [...recordedDialogue(report, opts), ...otherAddressDialogues(report, opts)],
    output: opts.output,
  });
}

/** ExchangeRecording: a recording from a Send log, with what the import inferred. */
export interface ExchangeRecording extends Recording {
  /** `expect` states the log's meaning; false: a placeholder to fill from a replay. */
  expectKnown: boolean;
  document: ScenarioDocument;
  notes: string[];
}

/**
 * recordExchangeLog: one session of an Exchange SMTP Send protocol log as a scenario file.
 * `expectKnown` is false when the log shows no failure the import recognises; the caller may
 * then fill `expect` from a replay (the CLI does).
 */
export function recordExchangeLog(text: string, opts: { name: string; session?: string | undefined; file?: string; keepUsernames?: boolean; output?: string | undefined }): ExchangeRecording {
  const selected = readSendLog(text, { session: opts.session });
  const imported = exchangeLogToScenario(selected, { name: opts.name, keepUsernames: opts.keepUsernames === true, ...(opts.file ? { file: opts.file } : {}) });
  const rendered = renderScenarioYaml(imported.document, {
    source: `an Exchange SMTP Send protocol log${opts.file ? ` (${opts.file.replace(/^.*[\\/]/, '')})` : ''}`,
    notesTitle: 'What the log shows:',
    notes: imported.notes,
    output: opts.output,
  });
  return { ...rendered, expectKnown: imported.expectKnown, document: imported.document, notes: imported.notes };
}
