import type { FindingCode } from './finding-codes.js';
import type { PublicTarget } from './target.js';
import type { HopStats, StepDataMap } from './step-data.js';

export type Status = 'pass' | 'warn' | 'fail' | 'skip';
export type Verdict = 'ok' | 'warning' | 'critical' | 'unknown';
export type Severity = 'info' | 'warning' | 'critical';

/** StepName: every step a probe may run, in the order a check runs them. */
export const STEP_NAMES = [
  'dns', 'icmp', 'path', 'tcp', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo-tls', 'tls-scan',
  'auth', 'mail', 'rcpt', 'quit',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** StepError: a network or protocol outcome, with a finding code and the SMTP reply when there is one. */
export interface StepError {
  code: FindingCode;
  message: string;
  /** SMTP reply code that caused the error, if any (e.g. 535). */
  replyCode?: number;
  /** RFC 3463 enhanced status, if any (e.g. "5.7.139"). */
  enhanced?: string;
  /**
   * The code the step itself reported, when diagnosis named the failure otherwise (a 535
   * the step saw as AUTH_CREDENTIALS_REJECTED that a provider signature reads as
   * AUTH_DISABLED_BY_PROVIDER): `code` is always the primary finding's code.
   */
  observed?: FindingCode;
}

/** StepOutcome: what every step result has, whatever the step. */
export interface StepOutcome {
  status: Status;
  /** epoch milliseconds */
  startedAt: number;
  durationMs: number;
  error?: StepError;
  /** Why a step was skipped, or what went wrong in a step that warns without an error (QUIT unanswered). */
  reason?: string;
}

/** StepResultOf: the result of step N, its `data` typed by StepDataMap (model/step-data.ts). */
export type StepResultOf<N extends StepName> = N extends StepName ? StepOutcome & { step: N; data?: StepDataMap[N] } : never;

/**
 * StepResult: one step's result, a union keyed on `step`: narrow on the name
 * (`r.step === 'auth'`, `steps.find((s) => s.step === 'auth')`) and `data` has that step's type.
 */
export type StepResult = StepResultOf<StepName>;

/** TranscriptLine: '>' client to server, '<' server to client, '*' a local event. Secrets are redacted at capture. */
export interface TranscriptLine {
  /** milliseconds since the probe started */
  t: number;
  dir: '>' | '<' | '*';
  text: string;
}

export interface ExchangeFix {
  /** The Send connector parameter to change, e.g. "SmartHostAuthMechanism". */
  setting: string;
  /** The PowerShell line, e.g. `Set-SendConnector "Relay" -SmartHostAuthMechanism BasicAuthRequireTLS`. */
  command: string;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  title: string;
  /** Transcript lines and step data that show it. Never contains a secret. */
  evidence: string[];
  cause: string;
  fix: string[];
  exchange?: ExchangeFix;
  /** The step the finding is about, when there is one. */
  step?: StepName;
}

/**
 * ReportSummary: values that more than one reader needs (renderers, exit code, metrics,
 * recorder), computed once by core (`summarize`) so that no renderer re-derives them.
 */
export interface ReportSummary {
  /** The first failing step and its code (the primary finding's code). */
  failedStep?: { step: StepName; code: string };
  /**
   * The dialogue reached its goal: every step of the SMTP dialogue that ran passed (a
   * certificate about to expire or a weak cipher does not stop mail; a 454 that refuses AUTH
   * does, however transient). Path measurement and QUIT do not count.
   */
  goalReached?: boolean;
  tlsProtocol?: string;
  tlsCipher?: string;
  /** ISO time of the earliest notAfter in the presented chain. */
  certNotAfter?: string;
  /** Whole days from the report's start to certNotAfter (negative when expired). */
  certDaysLeft?: number;
  authMechanism?: string;
  /** How the EHLO capabilities changed across STARTTLS (keywords; AUTH as "AUTH PLAIN LOGIN"). */
  capabilityDiff?: { added: string[]; removed: string[]; changed: string[] };
  /** Last SMTP reply code seen per step. */
  replyCodes: Partial<Record<StepName, number>>;
}

/**
 * AddressResult: the probe of one address of the relay (--all-addresses) — its own verdict,
 * steps (without data) and summary, the codes of its findings, and its own dialogue.
 */
export interface AddressResult {
  address: string;
  family: 4 | 6;
  verdict: Verdict;
  durationMs: number;
  steps: { step: StepName; status: Status; durationMs: number; code?: string }[];
  summary: ReportSummary;
  /** SHA-256 fingerprint of the certificate the address presented, when TLS got that far. */
  certFingerprint256?: string;
  /** EHLO keywords of its last EHLO (inside TLS when there was one), AUTH as "AUTH PLAIN LOGIN". */
  capabilities?: string[];
  /** Codes of this address's findings, most severe first. */
  findings: string[];
  /** Its failure and findings are unlike the other addresses' (see ADDRESS_INCONSISTENT). */
  odd?: boolean;
  /**
   * This address's own session, as the Report's `transcript` is for a single probe (secrets
   * redacted at capture); `t` counts from the start of this address's probe. The Report's
   * top-level `transcript` is the first address's, like its `steps`.
   */
  transcript?: TranscriptLine[];
}

export interface Report {
  /** Schema version of this JSON shape. */
  schema: 1;
  target: PublicTarget;
  /** ISO 8601 */
  startedAt: string;
  durationMs: number;
  steps: StepResult[];
  transcript: TranscriptLine[];
  findings: Finding[];
  verdict: Verdict;
  summary: ReportSummary;
  /** Per-hop statistics, present on `smtprobe path` reports (and `check --path`). */
  hops?: HopStats[];
  /** With --all-addresses: every address of the relay, each probed in its own session. */
  addresses?: AddressResult[];
}

/**
 * RawReport: what the steps observed, before diagnosis — the Report without findings, verdict
 * and summary. The orchestrator (src/check.ts) turns it into a Report.
 */
export type RawReport = Pick<Report, 'schema' | 'target' | 'startedAt' | 'durationMs' | 'steps' | 'transcript'>;

/** Exit codes by the monitoring-plugin convention. */
export const VERDICT_EXIT_CODE: Record<Verdict, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };
