import type { Scenario, ScriptableVerb } from './scenario-schema.js';

/** Mechanisms smtp-server can run itself (its lib/sasl.js). */
const SMTP_SERVER_MECHANISMS = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);
/** Verbs whose reply smtp-server lets an application choose (onAuth, onMailFrom, onRcptTo). */
const SMTP_SERVER_SCRIPTABLE = new Set<ScriptableVerb>(['AUTH', 'MAIL', 'RCPT']);

/** Engine: smtp-server (the real implementation) or the raw responder (everything else). */
export type Engine = 'smtp-server' | 'raw';

/**
 * rawEngineReasons lists what in a scenario smtp-server cannot express; empty means it can
 * serve the scenario. The reasons are logged at start-up, so a user sees which engine runs.
 */
export function rawEngineReasons(s: Scenario): string[] {
  const server = s.server;
  const reasons: string[] = [];
  if (server.fault.kind !== 'none') reasons.push(`fault ${server.fault.kind}`);
  if (server.extensions.plain || server.extensions.tls) reasons.push('custom EHLO extensions');
  if (server.auth.legacyAuthEquals) reasons.push('legacy AUTH= line');
  if (server.auth.mechanisms.some((m) => !SMTP_SERVER_MECHANISMS.has(m))) reasons.push('mechanism smtp-server cannot run');
  const g = server.greeting;
  if (Array.isArray(g.text)) reasons.push('multi-line greeting');
  else if (g.code === 220 && g.text !== undefined && !g.text.startsWith(`${server.hostname} ESMTP`)) reasons.push('greeting text');
  // smtp-server closes at once after a refusing greeting; RFC 5321 §3.1 has the server wait for QUIT.
  else if (g.code !== 220) reasons.push(`greeting code ${g.code}`);
  for (const [verb, steps] of Object.entries(server.replies) as [ScriptableVerb, Scenario['server']['replies'][ScriptableVerb]][]) {
    if (!SMTP_SERVER_SCRIPTABLE.has(verb)) {
      reasons.push(`scripted ${verb}`);
      continue;
    }
    for (const step of steps ?? []) {
      if (step === 'default') continue;
      if (Array.isArray(step.text)) reasons.push(`multi-line ${verb} reply`);
      if (step.code < 400) reasons.push(`scripted ${step.code} for ${verb}`);
      if (step.stage === 'command') reasons.push(`${verb} answered at the command`);
      if (step.close && step.code !== 421) reasons.push(`close after ${step.code}`);
    }
  }
  return [...new Set(reasons)];
}

/** chooseEngine applies `server.engine`; forcing smtp-server on a scenario it cannot express is an error. */
export function chooseEngine(s: Scenario): { engine: Engine; reasons: string[] } {
  const reasons = rawEngineReasons(s);
  if (s.server.engine === 'raw') return { engine: 'raw', reasons: ['engine: raw'] };
  if (s.server.engine === 'smtp-server' && reasons.length > 0) {
    throw new Error(`scenario ${s.name}: engine smtp-server cannot express: ${reasons.join(', ')}`);
  }
  return { engine: reasons.length === 0 ? 'smtp-server' : 'raw', reasons };
}

/** effectiveTls: the TLS mode actually served (the tls-on-starttls-port fault speaks TLS from the start). */
export function effectiveTls(s: Scenario): Scenario['server']['tls'] {
  return s.server.fault.kind === 'tls-on-starttls-port' ? 'implicit' : s.server.tls;
}
