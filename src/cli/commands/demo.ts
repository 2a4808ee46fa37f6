import type { Command } from 'commander';
import { reportFatal } from '../exit.js';

/** The scenarios `npm start` shows: one healthy relay and the failures admins meet most. */
export const DEMO_SCENARIOS = [
  'good-starttls',
  'bad-credentials',
  'auth-after-starttls-only',
  'm365-auth-disabled',
  'gmail-app-password',
  'cert-expired',
  'no-starttls',
] as const;

/**
 * registerDemoCommand adds `smtprobe demo` (what `npm start` runs): starts the bundled mock
 * smart host on loopback with several scenarios and probes each, printing the diagnoses.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the bundled mock smart host with several failure scenarios on loopback and probe each')
    .option('--scenario <name...>', 'scenarios to show (default: a representative set)')
    .option('--transcript', 'show each redacted SMTP dialogue')
    .action(async (flags: { scenario?: string[]; transcript?: boolean }) => {
      try {
        const { runDemo } = await import('../run-demo.js');
        process.exitCode = await runDemo(flags.scenario ?? [...DEMO_SCENARIOS], flags.transcript === true);
      } catch (err) {
        reportFatal(err);
      }
    });
}
