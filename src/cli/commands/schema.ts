import { Argument, type Command } from 'commander';
import { reportFatal } from '../exit.js';

/**
 * registerSchemaCommand adds `smtprobe schema report|probes|scenario`: prints the JSON Schema of
 * a Report, a probes.yaml or a mock scenario file, for editors (yaml-language-server) and for
 * pipelines that validate what smtprobe writes.
 */
export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the Report (report), probes.yaml (probes) or a mock scenario file (scenario)')
    .addArgument(new Argument('<document>', 'which schema').choices(['report', 'probes', 'scenario']))
    .action(async (document: string) => {
      try {
        const { runSchema } = await import('../run-schema.js');
        process.exitCode = runSchema(document);
      } catch (err) {
        reportFatal(err);
      }
    });
}
