/**
 * smtprobe library API: probe a target, diagnose a report, run the mock smart host.
 *
 * @example
 * const target = await resolveTarget(parseTargetInput({ host: 'smtp.example.net', user: 'me', passwordEnv: 'SMTP_PASS' }), { env: process.env, baseDir: '.' });
 * const report = await probe(target);
 * console.log(report.verdict, report.findings.map((f) => f.code));
 */
export * from './model/finding-codes.js';
export * from './model/report.js';
export * from './model/step-data.js';
export * from './model/target.js';
export { Secret } from './model/secret.js';
export { Deadline, systemClock, type Clock } from './model/deadline.js';
export { probe, probePath, type ProbeOptions, type ProbePathOptions } from './check.js';
export { probeTarget, probeAllAddresses, type AllAddressesOptions } from './all-addresses.js';
export { diagnose, verdictOf, type DiagnoseInput } from './diagnose/index.js';
export { parseTargetInput, resolveTarget } from './config/resolve-target.js';
export { targetInputSchema, type TargetInput } from './config/target-schema.js';
export { ConfigError } from './config/config-error.js';
export { targetForScenario } from './mock/scenario-target.js';
export { startMockServer, findScenario, listScenarios, loadScenarioFile, type MockServer, type MockOptions } from './mock/index.js';
export { createTestPki, type TestPki, type CertProfile } from './mock/certs/index.js';
export { renderHuman } from './report/human.js';
export { renderJson } from './report/json.js';
export { loadRenderer, OUTPUT_FORMATS, type OutputFormat } from './report/index.js';
export { replayScenario, type ReplayOptions } from './run/replay.js';
export { recordReport, recordExchangeLog } from './record/index.js';
export { explain } from './exchange/explain.js';
export { loadProbesFile } from './config/probes-file.js';
export { runFleet } from './run/runner.js';
export * from './model/oauth.js';
export { TokenCache, TokenRequestError, acquireToken } from './oauth/index.js';
export { startMockTokenEndpoint, type MockTokenEndpoint, type TokenEndpointOptions, type MockClient, type MockServiceAccount, type MockTokenShape } from './mock/token-endpoint.js';
export { startOAuthSmtpServer, type OAuthSmtpServer, type OAuthSmtpOptions, type ExchangeAppAccess } from './mock/oauth-smtp-server.js';
