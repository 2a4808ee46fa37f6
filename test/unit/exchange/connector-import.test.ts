import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseProbesText, targetInputFor } from '../../../src/config/probes-file.js';
import { targetInputSchema } from '../../../src/config/target-schema.js';
import { parseSendConnectorJson } from '../../../src/exchange/connector-json.js';
import { mapConnector } from '../../../src/exchange/connector-mapping.js';
import { connectorInputFor, targetInputsFromConnector } from '../../../src/exchange/connector-targets.js';
import { explain } from '../../../src/exchange/explain.js';
import { planConfirmProbe } from '../../../src/exchange/probe-confirm.js';
import { writeProbesYaml } from '../../../src/exchange/probes-yaml-writer.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/connectors');
const fixture = (f: string): string => path.join(dir, f);
const mappingsOf = (f: string) => parseSendConnectorJson(readFileSync(fixture(f), 'utf8'), f).map((c) => mapConnector(c));

/** What each mechanism's targets must say (docs/domain.md, "Wire behaviour per SmartHostAuthMechanism"). */
const POLICY = {
  none: { client: 'exchange', auth: 'none', tls: 'starttls-optional', tlsVerify: 'none', port: 25 },
  basicauth: { client: 'exchange', auth: 'LOGIN', tls: 'starttls-optional', tlsVerify: 'none', user: 'relay@contoso.com', password: 'env:SMTP_PASS_RELAY_BASIC' },
  basicauthrequiretls: { client: 'exchange', auth: 'LOGIN', tls: 'starttls', tlsVerify: 'chain', user: 'relay@contoso.com', password: 'env:SMTP_PASS_RELAY' },
  exchangeserver: { client: 'exchange', auth: 'none', tls: 'starttls', tlsVerify: 'domain', tlsDomain: 'mail.fabrikam.com', port: 25 },
  externalauthoritative: { client: 'exchange', auth: 'none', tls: 'none', tlsVerify: 'none', port: 25 },
} as const;

describe('connector → probes.yaml round trip, per SmartHostAuthMechanism and enum form', () => {
  for (const [mech, policy] of Object.entries(POLICY)) {
    for (const form of ['names', 'numbers']) {
      it(`${mech}.${form}.json`, () => {
        const file = `${mech}.${form}.json`;
        const mappings = mappingsOf(file);
        const text = writeProbesYaml(mappings, { source: file });
        // The fleet engineer's loader accepts it, and every merged target is a valid check input.
        const config = parseProbesText(text, 'probes.yaml', dir);
        expect(config.targets.length).toBe(mappings.flatMap((m) => m.targets).length);
        for (const entry of config.targets) {
          const input = targetInputSchema.parse(targetInputFor(config, entry));
          expect(input).toMatchObject(policy);
          expect(input.ehlo).toBe('mail.contoso.com');
          expect(input.connectorName).toBe(mappings[0]?.connector.name);
          expect(input.labels?.connector).toBe(mappings[0]?.connector.name);
        }
        // Plain YAML parse agrees with the loader, and no secret value is ever written.
        const raw = parse(text) as { targets: Record<string, unknown>[] };
        for (const t of raw.targets) {
          const { module: _module, ...settings } = t;
          expect(targetInputSchema.safeParse(settings).success).toBe(true);
          if (t.password !== undefined) expect(String(t.password)).toMatch(/^env:SMTP_PASS_/);
        }
        expect(text).not.toMatch(/SecureString/);
      });
    }
  }
});

describe('mapConnector details', () => {
  it('one target per smart host, names unique and without spaces', () => {
    const [m] = mappingsOf('none.names.json');
    expect(m?.targets.map((t) => [t.input.name, t.input.host])).toEqual([
      ['Relay-None-relay.example.net', 'relay.example.net'], ['Relay-None-192.0.2.10', '192.0.2.10'],
    ]);
  });

  it('DNS-routed connectors are skipped with a reason; notes for disabled connectors', () => {
    const mappings = mappingsOf('fleet.json');
    expect(mappings[1]?.skipped).toMatch(/MX/);
    expect(mappings[2]?.notes.join(' ')).toMatch(/disabled/);
    const text = writeProbesYaml(mappings);
    expect(text).toMatch(/Skipped connector "Internet"/);
    const config = parseProbesText(text, 'probes.yaml', dir);
    expect(config.targets.map((t) => t.name)).toEqual(['Relay-to-M365', 'Backup-relays-relay1.example.net', 'Backup-relays-relay2.example.net']);
    const m365 = targetInputFor(config, config.targets[0]!);
    expect(m365).toMatchObject({ tls: 'starttls', tlsVerify: 'domain', tlsDomain: 'smtp.office365.com', port: 587, password: 'env:SMTP_PASS_RELAY_TO_M365' });
  });
});

describe('targetInputsFromConnector (check --connector)', () => {
  it('picks a connector by name, case-insensitively; flags win; a password flag replaces the reference', async () => {
    const inputs = await targetInputsFromConnector(fixture('fleet.json'), 'relay to m365', { passwordEnv: 'MY_PASS', port: '2587', name: 'ignored', connector: 'x' });
    expect(inputs).toHaveLength(1);
    const [i] = inputs;
    expect(i).toMatchObject({ host: 'smtp.office365.com', port: '2587', passwordEnv: 'MY_PASS', client: 'exchange', auth: 'LOGIN', name: 'Relay-to-M365' });
    expect(i?.password).toBeUndefined();
    expect(targetInputSchema.safeParse(i).success).toBe(true);
  });

  it('needs --name when the file holds several connectors, and names the known ones', async () => {
    await expect(targetInputsFromConnector(fixture('fleet.json'), undefined)).rejects.toThrow(/pick one with --name/);
    await expect(targetInputsFromConnector(fixture('fleet.json'), 'Nope')).rejects.toThrow(/"Relay to M365"/);
    await expect(targetInputsFromConnector(fixture('fleet.json'), 'Internet')).rejects.toThrow(/nothing to probe/);
  });
});

describe('explain --probe --connector', () => {
  it('the event names the connector; the probe takes its port, TLS policy, Fqdn and user, flags still win', async () => {
    const expl = explain('Send connector Relay Basic has failed to authenticate with smtp.example.net. The response from the remote site is 535 5.7.3 Authentication unsuccessful.');
    const base = await connectorInputFor(fixture('basicauth.numbers.json'), String(expl.parameters.connector), String(expl.parameters.targetHost), { passwordEnv: 'PW' });
    const plan = planConfirmProbe(expl, base);
    expect(plan.input).toMatchObject({ host: 'smtp.example.net', port: 587, auth: 'LOGIN', client: 'exchange', ehlo: 'mail.contoso.com', user: 'relay@contoso.com', passwordEnv: 'PW', tls: 'starttls-optional', connectorName: 'Relay Basic' });
    expect(plan.input.password).toBeUndefined();
    expect(targetInputSchema.safeParse(plan.input).success).toBe(true);
  });
});
