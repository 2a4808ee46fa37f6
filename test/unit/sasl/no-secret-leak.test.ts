import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/model/secret.js';
import { ATTEMPTABLE_MECHANISMS } from '../../../src/model/target.js';
import { createMechanism } from '../../../src/probe/smtp/sasl/index.js';
import type { SaslStep, ServerInfo } from '../../../src/probe/smtp/sasl/mechanism.js';

const USER = 'leaky.user@example.net';
const PASSWORD = 'Pa55w0rd-never-show';
const TOKEN = 'ya29.token-never-show';
const forbidden = [USER, PASSWORD, TOKEN, 'leaky.user'].flatMap((s) => [s, Buffer.from(s).toString('base64')]);

const servers: ServerInfo[] = [
  { tls: true, host: 'relay.example.net', port: 587, allowPlaintext: false },
  { tls: false, host: 'relay.example.net', port: 25, allowPlaintext: false },
  { tls: false, host: 'relay.example.net', port: 25, allowPlaintext: true },
];
const challenges = ['Username:', 'Password:', '<1896.697170952@postoffice.reston.mci.net>', '{"status":"401"}', ''];

/** Runs every mechanism through start and several challenges, collecting every step. */
function allSteps(): SaslStep[] {
  const steps: SaslStep[] = [];
  for (const name of ATTEMPTABLE_MECHANISMS) {
    for (const server of servers) {
      const m = createMechanism(name, { user: USER, password: new Secret(PASSWORD), token: new Secret(TOKEN) });
      steps.push(m.start(server));
      for (const c of challenges) steps.push(m.next(new Uint8Array(Buffer.from(c)), true));
      steps.push(m.next(new Uint8Array(0), false));
    }
  }
  return steps;
}

describe('SASL steps never show a secret', () => {
  const steps = allSteps();

  it('exercises data-carrying steps', () => {
    expect(steps.filter((s) => s.kind === 'respond' && s.data !== null && s.data.length > 2).length).toBeGreaterThan(5);
  });

  it('keeps user, password and token (and their base64) out of JSON, inspect, redacted text and reasons', () => {
    for (const step of steps) {
      const views = [JSON.stringify(step), inspect(step, { depth: 10 }), String(step.kind === 'respond' ? step.redacted : step.reason)];
      for (const view of views) for (const s of forbidden) expect(view).not.toContain(s);
    }
  });

  it('never puts base64 in the redacted text', () => {
    for (const step of steps) {
      if (step.kind !== 'respond' || step.data === null || step.data.length === 0) continue;
      expect(step.redacted).not.toContain(Buffer.from(step.data).toString('base64'));
      expect(step.redacted).toMatch(/^<[^>]+>$/);
    }
  });
});
