/** Certificate factory for the mock smart host and for tests: a test PKI made at call time. */
export { CERT_PROFILES, PROFILES_NEEDING_SECLEVEL_0, SUBJECT_PATTERN, isCertProfile } from './cert-profile.js';
export type { CertProfile } from './cert-profile.js';
export { createTestPki } from './test-pki.js';
export type { IssuedCert, IssueOptions, TestPki } from './test-pki.js';
