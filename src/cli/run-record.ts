import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Report } from '../model/report.js';
import type { Secret } from '../model/secret.js';
import type { ExchangeRecording } from '../record/index.js';
import { UNKNOWN_EXIT } from './exit.js';
import { readTextFile } from '../config/text-file.js';

/** fail prints one line to stderr and gives the "could not do it" exit code. */
function fail(message: string): number {
  process.stderr.write(`smtprobe record: ${message}\n`);
  return UNKNOWN_EXIT;
}

/** looksLikeReport: enough of the Report shape to record from (schema 1, steps, transcript, target). */
function looksLikeReport(v: unknown): v is Report {
  const r = v as Partial<Report> | null;
  return typeof r === 'object' && r !== null && r.schema === 1 && Array.isArray(r.steps) && Array.isArray(r.transcript) && typeof r.target === 'object' && Array.isArray(r.findings);
}

/** nameFor: the scenario name for an output file, or a default (the mock replays the file under any name). */
async function nameFor(output: string | undefined, fallback: string): Promise<string> {
  const { scenarioNameFor } = await import('../record/index.js');
  return scenarioNameFor(output ?? fallback);
}

async function emit(text: string, output: string | undefined, name: string): Promise<void> {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  await writeFile(output, text, { mode: 0o644 });
  process.stderr.write(`smtprobe record: wrote ${output} (scenario ${name}); replay it with: smtprobe mock ${output}\n`);
}

/**
 * runRecord: `smtprobe record --from-report FILE | --from-exchange-log FILE [--session ID]
 * [-o FILE] [--keep-usernames] [--time-scale F]`; returns the exit code.
 */
export async function runRecord(flags: Record<string, unknown>): Promise<number> {
  const fromReport = typeof flags.fromReport === 'string' ? flags.fromReport : undefined;
  const fromLog = typeof flags.fromExchangeLog === 'string' ? flags.fromExchangeLog : undefined;
  const output = typeof flags.output === 'string' ? flags.output : undefined;
  if ((fromReport === undefined) === (fromLog === undefined)) return fail('give exactly one of --from-report FILE or --from-exchange-log FILE');
  let timeScale = 1;
  if (flags.timeScale !== undefined) {
    timeScale = Number(flags.timeScale);
    if (!Number.isFinite(timeScale) || timeScale < 0) return fail(`--time-scale: "${String(flags.timeScale)}" is not a factor >= 0`);
  }
  const record = await import('../record/index.js');
  const input = (fromReport ?? fromLog) as string;
  let text: string;
  try {
    text = await readTextFile(input);
  } catch (err) {
    return fail(`${input}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }

  if (fromReport !== undefined) {
    let report: unknown;
    try {
      report = JSON.parse(text);
    } catch {
      return fail(`${input}: not JSON (save a report with: smtprobe check HOST --json > report.json)`);
    }
    if (!looksLikeReport(report)) return fail(`${input}: not an smtprobe report (schema 1 with steps, transcript and findings)`);
    const name = await nameFor(output, `recorded-${report.target.name}`);
    let rec: ReturnType<typeof record.recordReport>;
    try {
      rec = record.recordReport(report, { name, keepUsernames: flags.keepUsernames === true, timeScale, output });
    } catch (err) {
      if (err instanceof record.RecordError) return fail(`${input}: ${err.message}`);
      throw err;
    }
    await emit(rec.text, output, name);
    return 0;
  }

  // A Send log is usually saved as exchange-...; its scenario is not named exchange-exchange-...
  const stem = basename(input, extname(input));
  const name = await nameFor(output, /^exchange[-_]/i.test(stem) ? stem : `exchange-${stem}`);
  let rec: ExchangeRecording;
  try {
    rec = record.recordExchangeLog(text, { name, session: typeof flags.session === 'string' ? flags.session : undefined, file: input, keepUsernames: flags.keepUsernames === true, output });
  } catch (err) {
    if (err instanceof record.ExchangeLogError) return fail(`${input}: ${err.message}`);
    throw err;
  }
  let out = rec.text;
  if (!rec.expectKnown) out = await expectFromReplay(rec, name, input, output);
  await emit(out, output, name);
  return 0;
}

/**
 * expectFromReplay: for a log whose failure the import does not recognise, run the scenario
 * once against the mock and take its findings as `expect`, saying so in the file.
 */
async function expectFromReplay(rec: ExchangeRecording, name: string, file: string, output: string | undefined): Promise<string> {
  const [{ replayScenario }, { renderScenarioYaml }] = await Promise.all([import('../run/replay.js'), import('../record/index.js')]);
  const report = await replayScenario(rec.scenario);
  const codes = [...new Set(report.findings.map((f) => f.code))].sort();
  const doc = { ...rec.document, expect: { codes, verdict: report.verdict } };
  return renderScenarioYaml(doc, {
    source: `an Exchange SMTP Send protocol log (${basename(file)})`,
    notesTitle: 'What the log shows:',
    notes: [...rec.notes, '', `expect: taken from one replay of this scenario (the log shows no failure the import recognises); scenario ${name}`],
    output,
  }).text;
}

/**
 * writeRecording: `check --record FILE` — the Report as a scenario file; the target's
 * password and token are handed to the redactor so that not even a stray copy survives.
 */
export async function writeRecording(report: Report, file: string, opts: { keepUsernames: boolean; secrets: (Secret | undefined)[] }): Promise<void> {
  const { recordReport, RecordError } = await import('../record/index.js');
  const name = await nameFor(file, file);
  try {
    const rec = recordReport(report, { name, keepUsernames: opts.keepUsernames, secrets: opts.secrets, output: file });
    await emit(rec.text, file, name);
  } catch (err) {
    // The check itself ran; a session that cannot be recorded is a note, not a failed check.
    if (!(err instanceof RecordError)) throw err;
    process.stderr.write(`smtprobe record: ${file} not written: ${err.message}\n`);
  }
}
