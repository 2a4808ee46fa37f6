import { stringify } from 'yaml';
import { parseScenario } from '../mock/scenario-loader.js';
import type { Scenario } from '../mock/scenario-schema.js';
import type { ScenarioDocument } from './transcript-to-scenario.js';

/** WriteOptions: the header and comment block of a written scenario. */
export interface WriteOptions {
  /** Where the recording came from, e.g. "smtprobe check smtp.example.com, 2026-11-24T23:00:00Z". */
  source: string;
  /** Extra comment lines under the header (e.g. the redacted dialogue, or what an import inferred). */
  notes?: readonly string[];
  /** Title of the notes block. */
  notesTitle?: string;
  /** The file the recording is written to, named in its replay line; undefined: standard output. */
  output?: string | undefined;
}

/** A YAML comment line: `#` then the text; control characters never reach the file. */
function comment(text: string): string {
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
  return clean === '' ? '#' : `# ${clean}`;
}

/**
 * renderScenarioYaml writes a scenario document as YAML (the `yaml` package) under a header
 * saying where it came from and how to replay it, then validates the text exactly as the
 * mock will load it, so a recording that would not load is a bug caught here.
 * @returns the YAML text and the validated Scenario it replays.
 * @throws ScenarioError when the document does not validate (a recorder bug).
 */
export function renderScenarioYaml(doc: ScenarioDocument, opts: WriteOptions): { text: string; scenario: Scenario } {
  const header = [
    `Recorded by smtprobe from ${opts.source}.`,
    'Credentials, AUTH payloads, challenges and tokens are placeholders; the probe below uses a fixed test password.',
    `Replay: smtprobe mock ${opts.output ?? 'FILE (the file this text is saved in)'}, then run the check line it prints (docs/record.md).`,
  ];
  const lines = header.map(comment);
  if (opts.notes && opts.notes.length > 0) {
    lines.push('#', comment(opts.notesTitle ?? 'Notes:'), ...opts.notes.map((n) => comment(`  ${n}`)));
  }
  const body = stringify(doc, { lineWidth: 0, flowCollectionPadding: false });
  const text = `${lines.join('\n')}\n${body}`;
  const scenario = parseScenario(text, `${doc.name}.yaml`, doc.name);
  return { text, scenario };
}

/** scenarioNameFor: a valid scenario name from a file name or free text ("Relay EU.yaml" → "relay-eu"). */
export function scenarioNameFor(fileOrText: string): string {
  const base = fileOrText.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, '');
  const name = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return name === '' ? 'recording' : name;
}
