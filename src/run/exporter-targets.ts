import { ConfigError } from '../config/config-error.js';
import { resolveProbeTarget, type ProbeEntry, type ProbesConfig } from '../config/probes-file.js';
import { TextFiles } from '../config/text-file.js';
import type { Target } from '../model/target.js';

/**
 * ExporterTargets: the targets one probes.yaml gives the exporter, every one resolved (secrets
 * read, CA files loaded) before it is used, so a missing secret or file is found when the file
 * is loaded — at start, or at a reload that then keeps the previous file — never at scrape time.
 * A target probed with another `&module=` is resolved on first use and kept.
 */
export class ExporterTargets {
  readonly #byName: Map<string, ProbeEntry>;
  readonly #resolved = new Map<string, Promise<Target>>();

  private constructor(readonly config: ProbesConfig, readonly env: NodeJS.ProcessEnv) {
    this.#byName = new Map(config.targets.map((e) => [e.name, e]));
  }

  /** load resolves every target of `config` with its own module; the first bad one throws (file:line, field). */
  static async load(config: ProbesConfig, env: NodeJS.ProcessEnv): Promise<ExporterTargets> {
    const t = new ExporterTargets(config, env);
    const files = new TextFiles();
    for (const entry of config.targets) {
      const target = await resolveProbeTarget(config, entry, { env, files });
      t.#resolved.set(cacheKey(entry.name, undefined), Promise.resolve(target));
    }
    return t;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  hasModule(module: string): boolean {
    return Object.hasOwn(this.config.modules, module);
  }

  /** The targets with their own modules, in file order. */
  all(): Promise<Target[]> {
    return Promise.all(this.config.targets.map((e) => this.targetFor(e.name, undefined)));
  }

  /** targetFor: the resolved target `name`, with `module` instead of its own when given. */
  targetFor(name: string, module: string | undefined): Promise<Target> {
    const key = cacheKey(name, module);
    let p = this.#resolved.get(key);
    if (!p) {
      const entry = this.#byName.get(name);
      if (!entry) return Promise.reject(new ConfigError('target', `unknown target "${name}"`));
      p = resolveProbeTarget(this.config, entry, module === undefined ? { env: this.env } : { env: this.env, module });
      this.#resolved.set(key, p);
      p.catch(() => this.#resolved.delete(key));
    }
    return p;
  }
}

function cacheKey(name: string, module: string | undefined): string {
  return `${name}\u0000${module ?? ''}`;
}
