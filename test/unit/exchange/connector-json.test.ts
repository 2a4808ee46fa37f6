import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import {
  parseSendConnectorJson, parseSmartHostsString, timeSpanSeconds, type SendConnector,
} from '../../../src/exchange/connector-json.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/connectors');
const load = (f: string): SendConnector[] => parseSendConnectorJson(readFileSync(path.join(dir, f), 'utf8'), f);

const MECHANISMS = ['none', 'basicauth', 'basicauthrequiretls', 'exchangeserver', 'externalauthoritative'] as const;
const EXPECTED: Record<(typeof MECHANISMS)[number], Partial<SendConnector>> = {
  none: {
    name: 'Relay None', smartHostAuthMechanism: 'None', port: 25,
    smartHosts: [{ host: 'relay.example.net', isIp: false }, { host: '192.0.2.10', isIp: true }],
    connectionInactivityTimeoutSeconds: 600, fqdn: 'mail.contoso.com', protocolLoggingLevel: 'Verbose',
  },
  basicauth: {
    name: 'Relay Basic', smartHostAuthMechanism: 'BasicAuth', port: 587, userName: 'relay@contoso.com',
    smartHosts: [{ host: 'smtp.example.net', isIp: false }], connectionInactivityTimeoutSeconds: 600,
  },
  basicauthrequiretls: {
    name: 'Relay', smartHostAuthMechanism: 'BasicAuthRequireTLS', requireTls: true, tlsAuthLevel: 'CertificateValidation',
    smartHosts: [{ host: 'smtp.example.net', isIp: false }], userName: 'relay@contoso.com',
  },
  exchangeserver: {
    name: 'To Fabrikam Exchange', smartHostAuthMechanism: 'ExchangeServer', tlsAuthLevel: 'DomainValidation',
    tlsDomain: 'mail.fabrikam.com', requireTls: true,
  },
  externalauthoritative: {
    name: 'Partner Link', smartHostAuthMechanism: 'ExternalAuthoritative', ignoreStartTls: true,
    smartHosts: [{ host: '198.51.100.7', isIp: true }, { host: 'partner-mx.example.org', isIp: false }],
  },
};

describe('parseSendConnectorJson: one fixture per SmartHostAuthMechanism, both enum forms', () => {
  for (const m of MECHANISMS) {
    it(`${m}: names and numbers parse to the same connector`, () => {
      const [byName] = load(`${m}.names.json`);
      const [byNumber] = load(`${m}.numbers.json`);
      expect(byName).toMatchObject(EXPECTED[m]);
      expect(byNumber).toEqual(byName);
    });
  }
});

describe('parseSendConnectorJson: shapes', () => {
  it('reads a PowerShell 5 {value, Count} array, string booleans and ports, object Fqdn/TlsDomain, d.hh:mm:ss', () => {
    const all = load('fleet.json');
    expect(all.map((c) => c.name)).toEqual(['Relay to M365', 'Internet', 'Backup relays']);
    const [m365, internet, backup] = all;
    expect(m365).toMatchObject({
      port: 587, requireTls: true, tlsAuthLevel: 'DomainValidation', tlsDomain: 'smtp.office365.com',
      fqdn: 'mail.contoso.com', smartHosts: [{ host: 'smtp.office365.com', isIp: false }],
      connectionInactivityTimeoutSeconds: 86400, userName: 'scanner@contoso.com', enabled: true,
    });
    expect(internet).toMatchObject({ dnsRoutingEnabled: true, smartHosts: [] });
    expect(backup).toMatchObject({ enabled: false, smartHostAuthMechanism: 'BasicAuth', userName: 'CONTOSO\\svc-relay', port: 2525 });
  });

  it('reads SmartHost objects with an IP address', () => {
    const [c] = parseSendConnectorJson(JSON.stringify({
      Name: 'X',
      SmartHosts: [{ Address: { IPAddressToString: '203.0.113.5', AddressFamily: 2 }, Domain: null, IsIPAddress: true }],
    }));
    expect(c?.smartHosts).toEqual([{ host: '203.0.113.5', isIp: true }]);
  });

  it('accepts a BOM and a single connector with defaults', () => {
    const [c] = parseSendConnectorJson(`\uFEFF${JSON.stringify({ Name: 'Only', SmartHosts: ['a.example'] })}`);
    expect(c).toMatchObject({ name: 'Only', port: 25, smartHostAuthMechanism: 'None', requireTls: false, ignoreStartTls: false, enabled: true });
  });

  it('SmartHostsString splits on , and ; and unwraps [ip]', () => {
    expect(parseSmartHostsString('a.example; [192.0.2.1],b.example ,[2001:db8::1]')).toEqual([
      { host: 'a.example', isIp: false }, { host: '192.0.2.1', isIp: true }, { host: 'b.example', isIp: false }, { host: '2001:db8::1', isIp: true },
    ]);
  });

  it('TimeSpans as text and objects', () => {
    expect(timeSpanSeconds('00:10:00')).toBe(600);
    expect(timeSpanSeconds('2.00:00:30.5')).toBe(172830.5);
    expect(timeSpanSeconds({ Ticks: 6_000_000_000 })).toBe(600);
    expect(timeSpanSeconds({ TotalSeconds: 42 })).toBe(42);
    expect(timeSpanSeconds('ten minutes')).toBeUndefined();
  });

  it('errors name the connector index and field', () => {
    const bad = (o: unknown): ConfigError => {
      try {
        parseSendConnectorJson(JSON.stringify(o), 'c.json');
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('no error');
    };
    expect(bad([{ Name: 'a' }, { Name: 'b', SmartHostAuthMechanism: 3 }]).field).toBe('[1].SmartHostAuthMechanism');
    expect(bad({ Name: 'a', TlsAuthLevel: 'Strict' }).message).toMatch(/EncryptionOnly=1/);
    expect(bad({ Name: 'a', Port: 70000 }).field).toBe('[0].Port');
    expect(bad({ SmartHosts: [] }).field).toBe('[0].Name');
    expect(() => parseSendConnectorJson('{not json')).toThrow(ConfigError);
  });
});
