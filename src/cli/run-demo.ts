import { findScenario } from '../mock/index.js';
import { createTestPki } from '../mock/certs/index.js';
import { replayScenario } from '../run/replay.js';
import { renderHuman } from '../report/human.js';
import { wrapLine } from '../report/wrap.js';
import { outputWidth } from './output-width.js';

/**
 * runDemo: for each scenario, start the mock on an ephemeral loopback port, probe it as the
 * scenario says, print the report, and check the findings against the scenario's
 * expectations. Returns 0 when every scenario produced what it promises.
 */
export async function runDemo(names: string[], transcript: boolean): Promise<number> {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const width = outputWidth();
  const pki = await createTestPki();
  const rows: string[] = [];
  let mismatches = 0;
  for (const name of names) {
    const scenario = await findScenario(name);
    const report = await replayScenario(scenario, { pki });
    process.stdout.write(`\n${wrapLine(`── scenario ${scenario.name}: ${scenario.description}`, width, 3).join('\n')}\n`);
    process.stdout.write(renderHuman(report, { color, transcript, width }));
    const codes = new Set(report.findings.map((f) => f.code));
    const missing = scenario.expect.codes.filter((c) => !codes.has(c));
    const ok = missing.length === 0 && report.verdict === scenario.expect.verdict;
    if (!ok) mismatches++;
    rows.push(...wrapLine(`  ${ok ? '✓' : '✗'} ${scenario.name.padEnd(26)} ${report.verdict.padEnd(9)} ${[...codes].join(', ') || '-'}`, width, 6));
  }
  process.stdout.write(`\nDemo summary (scenario, verdict, finding codes):\n${rows.join('\n')}\n`);
  process.stdout.write(`\n${wrapLine('Try one yourself: `npx smtprobe mock --list`, then `npx smtprobe mock bad-credentials` (it prints the `smtprobe check` line to run against it).', width, 2).join('\n')}\n`);
  return mismatches === 0 ? 0 : 1;
}
