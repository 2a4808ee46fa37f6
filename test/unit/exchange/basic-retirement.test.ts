import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSendConnectorJson } from '../../../src/exchange/connector-json.js';
import { mapConnector } from '../../../src/exchange/connector-mapping.js';
import { explain } from '../../../src/exchange/explain.js';
import { writeProbesYaml } from '../../../src/exchange/probes-yaml-writer.js';

/** A Basic-auth connector as exported, its smart host set to `host`. */
async function connectorTo(host: string): Promise<ReturnType<typeof parseSendConnectorJson>> {
  const raw = JSON.parse(await readFile('fixtures/connectors/basicauthrequiretls.names.json', 'utf8')) as Record<string, unknown>[];
  const c = { ...raw[0], SmartHostsString: host };
  delete (c as Record<string, unknown>).SmartHosts;
  return parseSendConnectorJson(JSON.stringify([c]), 'test.json');
}

describe('import-connector flags Basic auth towards Microsoft 365', () => {
  it('a BasicAuthRequireTLS connector to smtp.office365.com gets the AUTH_BASIC_RETIREMENT note in probes.yaml', async () => {
    const [c] = await connectorTo('smtp.office365.com');
    const m = mapConnector(c!);
    expect(m.notes.join('\n')).toMatch(/AUTH_BASIC_RETIREMENT.*December 2026.*OAuth.*High Volume Email.*certificate or IP/);
    expect(writeProbesYaml([m], { source: 'test.json' })).toMatch(/AUTH_BASIC_RETIREMENT/);
    expect(m.targets[0]?.input.smartHostAuthMechanism).toBe('BasicAuthRequireTLS');
  });

  it('the same connector to another relay gets no such note', async () => {
    const [c] = await connectorTo('relay.example.net');
    expect(mapConnector(c!).notes.join('\n')).not.toMatch(/AUTH_BASIC_RETIREMENT/);
  });
});

describe('explain flags a Basic-auth session towards Microsoft 365', () => {
  it('event 2016 with mechanism Login and target SMTPSVC/smtp.office365.com', () => {
    const text = 'An authentication credential initialization error LogonDenied occurred with Send connector To M365. The authentication mechanism used was Login. The name of the server that we were trying to authenticate to was SMTPSVC/smtp.office365.com. This server was using the name relay@contoso.com.';
    const e = explain(text);
    expect(e.notes.find((n) => n.name === 'basicAuthRetirement')?.meaning).toMatch(/AUTH_BASIC_RETIREMENT/);
  });

  it('not for Kerberos towards an Exchange server', () => {
    const text = 'Outbound authentication failed with error LogonDenied for Send connector X. The authentication mechanism is ExchangeAuth. The target is SMTPSVC/ex01.contoso.local.';
    expect(explain(text).notes.find((n) => n.name === 'basicAuthRetirement')).toBeUndefined();
  });
});
