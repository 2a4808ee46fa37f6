import * as z from 'zod/mini';
import { controlCharacterProblem, hasControlCharacter } from '../model/wire-text.js';

/**
 * noControlCharacters: the zod check every string of the target schema carries, so a value
 * from a flag, probes.yaml, a connector import or a scenario is refused at input, with the
 * field named, before any packet leaves (model/wire-text.ts lists the characters and why).
 */
export const noControlCharacters = z.refine<string>((v) => !hasControlCharacter(v), {
  error: (issue) => controlCharacterProblem(String(issue.input)) ?? 'contains a control character',
});
