/**
 * Every Exchange SMTP Send protocol log sample (test/samples/exchange-smtpsend-*.log)
 * becomes a scenario; replaying it with the
 * Exchange client profile gives the finding that matches the log, with the Exchange
 * explanation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { recordExchangeLog } from '../../src/record/index.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { replayScenario } from '../../src/run/replay.js';

const samples = SAMPLES_DIR;

/** What each sample means (docs/domain.md, "Root causes"), and words its Exchange explanation must carry. */
const MEANING: Record<string, { codes: string[]; explanation: RegExp }> = {
  // Cause 5: the relay offers AUTH PLAIN only; Exchange QUITs, "451 5.7.3 Require basic authentication".
  'exchange-smtpsend-auth-login-not-offered.log': { codes: ['AUTH_NO_COMMON_MECHANISM'], explanation: /451 5\.7\.3 Require basic authentication/ },
  // Cause 2: ExchangeServer auth (X-EXPS) failed in SSPI (LogonDenied, event 2017); smtprobe cannot run Kerberos/NTLM.
  'exchange-smtpsend-exchangeauth-logondenied.log': { codes: ['AUTH_MECHANISM_NOT_ATTEMPTED', 'AUTH_NO_COMMON_MECHANISM'], explanation: /X-EXPS[\s\S]*LogonDenied|LogonDenied[\s\S]*X-EXPS/ },
  // Cause 8: InvalidToken — Exchange offers only TLS 1.0 to a relay requiring TLS 1.2+.
  'exchange-smtpsend-tls-invalidtoken.log': { codes: ['TLS_VERSION_MISMATCH'], explanation: /InvalidToken/ },
  // Cause 9: NoCredentials — the certificate Exchange presents has no usable private key.
  'exchange-smtpsend-tls-nocredentials.log': { codes: ['CLIENT_CERT_REQUIRED'], explanation: /NoCredentials/ },
};

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

describe('Exchange Send log samples → scenario → replay with the Exchange profile', () => {
  const files = samples ? readdirSync(samples).filter((f) => /^exchange-smtpsend-.*\.log$/.test(f)).sort() : [];

  it('finds the samples, and knows the meaning of each', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(MEANING[f], `no expected meaning for ${f}`).toBeDefined();
  });

  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(path.join(samples, file), 'utf8');
      const name = file.replace(/\.log$/, '');
      const rec = recordExchangeLog(text, { name, file });
      const meaning = MEANING[file];
      if (!meaning) throw new Error(`no meaning for ${file}`);
      expect(rec.expectKnown).toBe(true);
      expect(rec.scenario.probe.client).toBe('exchange');
      expect([...rec.scenario.expect.codes].sort()).toEqual([...meaning.codes].sort());
      expect(rec.text).toMatch(/^# Recorded by smtprobe from an Exchange SMTP Send protocol log/);

      const report = await replayScenario(rec.scenario, { pki });
      const codes = [...new Set(report.findings.map((f) => f.code))].sort();
      const ctx = `${file}: ${report.verdict} [${codes.join(', ')}]\n${rec.text}`;
      expect(codes, ctx).toEqual([...meaning.codes].sort());
      expect(report.verdict, ctx).toBe(rec.scenario.expect.verdict);
      const explained = report.findings.filter((f) => meaning.codes.includes(f.code)).map((f) => f.cause).join('\n');
      expect(explained, ctx).toMatch(meaning.explanation);
    });
  }
});
