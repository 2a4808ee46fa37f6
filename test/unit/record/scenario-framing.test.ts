/**
 * A scenario cannot make the mock send lines its reply script does not show: CR, LF and NUL
 * in any text the server sends are refused when the scenario loads; and a recording of a
 * server that sent a NUL inside a reply still loads, with the character marked.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../../src/mock/index.js';
import type { TranscriptLine } from '../../../src/model/report.js';
import { parseDialogue } from '../../../src/record/dialogue.js';

const scenario = (server: string): string => `name: inline\ndescription: inline\nserver:\n${server}\nexpect: { verdict: ok }\n`;

function loadError(text: string): ScenarioError {
  try {
    parseScenario(text, 'inline.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario text the mock sends', () => {
  it.each([
    ['greeting text', '  greeting: { text: "relay.test ESMTP\\r\\n250 smuggled" }', 'U+000D (CR)'],
    ['a scripted reply', '  replies:\n    RCPT: [{ code: 250, text: "ok\\n354 go ahead" }]', 'U+000A (LF)'],
    ['a line of a multi-line reply', '  replies:\n    EHLO: [{ code: 250, text: ["relay.test", "SIZE 1\\u0000"] }]', 'U+0000 (NUL)'],
    ['an EHLO keyword', '  extensions: { plain: ["PIPELINING\\r\\n250 AUTH PLAIN"] }', 'U+000D (CR)'],
    ['the host name', '  hostname: "relay.test\\n"', 'U+000A (LF)'],
  ])('%s holding a line break or NUL is refused, on one line naming it', (_what, server, named) => {
    const err = loadError(scenario(server));
    expect(err.message).toContain(named);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('other text loads unchanged (a TAB or ESC a hostile server sends can still be replayed)', () => {
    const s = parseScenario(scenario('  greeting: { text: "relay.test ESMTP\\tready \\u001b[0m" }'), 'inline.yaml');
    expect(s.server.greeting.text).toBe('relay.test ESMTP\tready \u001b[0m');
  });
});

describe('recording a server that sent a NUL inside a reply', () => {
  it('marks it with U+FFFD, so the recorded scenario loads and replays one line', () => {
    const line = (t: number, dir: TranscriptLine['dir'], text: string): TranscriptLine => ({ t, dir, text });
    const d = parseDialogue([line(0, '<', '220 relay.test\u0000 ESMTP'), line(1, '>', 'EHLO c.test'), line(2, '<', '250 relay.test')]);
    expect(d.greeting?.text).toEqual(['relay.test\ufffd ESMTP']);
  });
});
