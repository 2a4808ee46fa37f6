/** Types of scripts/layers.mjs (the layer table of docs/design.md and the import check). */
export interface Layer {
  rank: number;
  mayImport?: Set<string>;
}
export function readLayers(markdown: string): Map<string, Layer>;
export function readLayersFile(root: string): Map<string, Layer>;
export function unitOf(src: string, file: string): string;
export function importProblem(layers: Map<string, Layer>, root: string, file: string, spec: string): string | undefined;
