/**
 * The bundled mock smart host: a scenario file in, a running SMTP server on loopback out.
 * See docs/scenarios.md for the scenario language.
 */
export { startMockServer } from './mock-server.js';
export type { MockOptions, MockServer } from './mock-server.js';
export { findScenario, listScenarios, loadScenarioFile, parseScenario, ScenarioError, scenariosDir, bundledScenarioFiles } from './scenario-loader.js';
export { scenarioSchema, SCRIPTABLE_VERBS, MOCK_MECHANISMS } from './scenario-schema.js';
export type { Fault, FaultKind, ReplyStep, Scenario, ScriptableVerb, ScriptedReply } from './scenario-schema.js';
export type { Engine } from './engine-choice.js';
