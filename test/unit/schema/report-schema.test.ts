import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/mini';
import type { reportSchema } from '../../../src/model/report-schema.js';
import type { Report, StepResult } from '../../../src/model/report.js';

/** The same type written as plain nested objects (PublicTarget is an Omit<…> & {…} intersection). */
type Plain<T> = T extends object ? { [K in keyof T]: Plain<T[K]> } : T;
/** The schema leaves step `data` open (it is typed per step in model/step-data.ts); so does this view of the Report. */
type OpenData<R extends Report> = Omit<R, 'steps'> & { steps: (Omit<StepResult, 'data'> & { data?: unknown })[] };

describe('reportSchema', () => {
  it('describes exactly the Report type: a field added, removed, retyped or made optional on one side only does not compile', () => {
    expectTypeOf<Plain<z.output<typeof reportSchema>>>().toEqualTypeOf<Plain<OpenData<Report>>>();
  });
});
