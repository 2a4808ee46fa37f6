import * as z from 'zod/mini';
import { probesFileSchema } from '../config/probes-schema.js';
import { scenarioObjectSchema } from '../mock/scenario-schema.js';
import { reportSchema } from '../model/report-schema.js';

/** The documents smtprobe publishes a JSON Schema for. */
export const SCHEMA_KINDS = ['report', 'probes', 'scenario'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const TITLES: Record<SchemaKind, string> = {
  report: 'smtprobe Report (check/run --format json)',
  probes: 'smtprobe probes.yaml',
  scenario: 'smtprobe mock scenario',
};

/**
 * jsonSchemaOf: the JSON Schema (draft 2020-12) of a document, generated from the very zod
 * schema smtprobe validates it with, so the published schema cannot drift from the code.
 * Files people write (probes.yaml, scenarios) are described as they are written — fields with
 * a default are optional; the Report as smtprobe writes it. Checks zod runs in code and JSON
 * Schema cannot express (a scenario's cross-field rules) stay in `smtprobe mock --check`.
 */
export function jsonSchemaOf(kind: SchemaKind): Record<string, unknown> {
  const schema = kind === 'report' ? reportSchema : kind === 'probes' ? probesFileSchema : scenarioObjectSchema;
  const json = z.toJSONSchema(schema as z.ZodMiniType, {
    io: kind === 'report' ? 'output' : 'input',
    unrepresentable: 'any',
    override: stringShorthand,
  }) as Record<string, unknown>;
  const { $schema, ...rest } = json;
  return { $schema, $id: `smtprobe-${kind}.schema.json`, title: TITLES[kind], ...rest };
}

/**
 * The scenario language lets a string stand for a structure (`fault: never-answer` for
 * `fault: { kind: never-answer }`, `rcpt: a@b` for `rcpt: [a@b]`): zod spells that as a
 * preprocess in front of the structured schema, which JSON Schema cannot express. Describe such
 * a field as it is written: a string, or the structure.
 */
function stringShorthand(ctx: { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'pipe' || (def as z.core.$ZodPipeDef).in._zod.def.type !== 'transform') return;
  const structured = { ...ctx.jsonSchema };
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  ctx.jsonSchema.anyOf = [{ type: 'string' }, structured];
}

/** runSchema prints one JSON Schema on stdout. */
export function runSchema(kind: string): number {
  process.stdout.write(`${JSON.stringify(jsonSchemaOf(kind as SchemaKind), null, 2)}\n`);
  return 0;
}
