import * as z from 'zod/mini';
import { targetInputSchema } from './target-schema.js';

/**
 * The probes.yaml language. Every key of `defaults`, a module and a target is a `check` flag in
 * camelCase (targetInputSchema), so a file and a command line mean the same thing.
 *
 * - `defaults`: settings every target starts from.
 * - `modules`: named settings a target picks with `module:` — like the blackbox exporter's
 *   modules (port, TLS mode, verify level, mechanism, thresholds), host-agnostic.
 * - `targets`: one entry per smart host; its own keys win over its module's, which win over
 *   the defaults. `labels` are merged the same way, key by key.
 */

/** Settings shared by many targets: no `name` or `host`, which belong to one target only. */
export const sharedSettingsSchema = z.omit(targetInputSchema, { name: true, host: true });

/** One target entry: the check flags plus the module it uses. */
export const probeTargetSchema = z.extend(targetInputSchema, {
  name: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[^\s]+$/, 'a name without spaces')),
  host: targetInputSchema.shape.host.def.innerType,
  /** Name of an entry under `modules`. */
  module: z.optional(z.string().check(z.minLength(1))),
});

const moduleName = z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'));

export const probesFileSchema = z.strictObject({
  defaults: z.optional(sharedSettingsSchema),
  modules: z.optional(z.record(moduleName, sharedSettingsSchema)),
  targets: z.array(probeTargetSchema).check(z.minLength(1, 'list at least one target')),
});

export type SharedSettings = z.infer<typeof sharedSettingsSchema>;
export type ProbeTargetSettings = z.infer<typeof probeTargetSchema>;
export type ProbesFileInput = z.infer<typeof probesFileSchema>;
