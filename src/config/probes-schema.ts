import { z } from 'zod';
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
export const sharedSettingsSchema = targetInputSchema.omit({ name: true, host: true });

/** One target entry: the check flags plus the module it uses. */
export const probeTargetSchema = targetInputSchema.extend({
  name: z.string().min(1).max(200).regex(/^[^\s]+$/, 'a name without spaces'),
  host: targetInputSchema.shape.host.unwrap(),
  /** Name of an entry under `modules`. */
  module: z.string().min(1).optional(),
});

const moduleName = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -');

export const probesFileSchema = z
  .object({
    defaults: sharedSettingsSchema.optional(),
    modules: z.record(moduleName, sharedSettingsSchema).optional(),
    targets: z.array(probeTargetSchema).min(1, 'list at least one target'),
  })
  .strict();

export type SharedSettings = z.infer<typeof sharedSettingsSchema>;
export type ProbeTargetSettings = z.infer<typeof probeTargetSchema>;
export type ProbesFileInput = z.infer<typeof probesFileSchema>;
