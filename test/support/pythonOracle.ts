/**
 * Cross-checks against a real Python library: an oracle script reads `{ <requestKey>: [...] }` as
 * JSON on stdin and writes `{ "version", "module", ..., "results": [...] }`, one result per item.
 * Tried interpreters: `/usr/bin/python3`, `python3` on PATH, and any listed in NOVA_TEST_PYTHONS
 * (separated like PATH); two that load the same module file count once. An interpreter that lacks
 * the module is reported, never silently dropped.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';

export interface PythonOracleOptions {
  /** Absolute path of the oracle script. */
  script: string;
  /** The module the script imports, named when an interpreter cannot import it. */
  module: string;
  /** The request field that carries the items. */
  requestKey: string;
  /** The library as the reports call it, e.g. `redis-py`. */
  library: string;
  /** Said in the skip reason when no interpreter has the library, e.g. where CI gets it from. */
  installHint?: string;
}

/** What the script says about itself when given no items. */
export interface OracleInfo {
  version: string;
  module: string;
}

export type Oracle<Info extends OracleInfo> = Info & { interpreter: string };

export class PythonOracles<Result, Info extends OracleInfo = OracleInfo> {
  /** One interpreter per distinct module file, in the order tried. */
  readonly oracles: Oracle<Info>[] = [];
  /** Why each other interpreter is not used. */
  readonly unavailable: string[] = [];
  private readonly results = new Map<string, Result[]>();

  constructor(private readonly options: PythonOracleOptions) {
    const candidates = ['/usr/bin/python3', 'python3', ...(process.env.NOVA_TEST_PYTHONS ?? '').split(delimiter).filter(Boolean)];
    for (const interpreter of candidates) {
      const found = this.probe(interpreter);
      if (typeof found === 'string') {
        this.unavailable.push(found);
      } else if (!this.oracles.some((o) => o.module === found.module)) {
        this.oracles.push(found);
      }
    }
  }

  private spawn(interpreter: string, items: unknown[]) {
    return spawnSync(interpreter, [this.options.script], {
      input: JSON.stringify({ [this.options.requestKey]: items }),
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  private probe(interpreter: string): Oracle<Info> | string {
    const run = this.spawn(interpreter, []);
    if (run.error) {
      return `${interpreter}: ${run.error.message}`;
    }
    if (run.status !== 0) {
      return `${interpreter}: cannot import ${this.options.module} (${run.stderr.trim().split('\n').pop() ?? ''})`;
    }
    const found = JSON.parse(run.stdout) as Info;
    return { interpreter, ...found };
  }

  /** Gives `items` to every oracle, for `result()`; fails if an oracle fails. */
  runAll(items: unknown[]): void {
    for (const oracle of this.oracles) {
      const run = this.spawn(oracle.interpreter, items);
      assert.equal(run.status, 0, `${oracle.interpreter} failed: ${run.stderr}`);
      this.results.set(oracle.module, (JSON.parse(run.stdout) as { results: Result[] }).results);
    }
  }

  /** What `oracle` answered for the item at `index` of the last `runAll()`. */
  result(oracle: Oracle<Info>, index: number): Result | undefined {
    return this.results.get(oracle.module)?.[index];
  }

  /**
   * Registers in the current suite either a test that lists the interpreters used (and why the
   * others are not), or, when none has the library, a skipped test whose reason says the
   * cross-check was NOT run.
   */
  reportAvailability(describeOracle: (oracle: Oracle<Info>) => string): void {
    const { library, installHint } = this.options;
    if (this.oracles.length === 0) {
      const hint = installHint === undefined ? '' : ` (${installHint})`;
      const reason = `${library} not importable, cross-check NOT run${hint}: ${this.unavailable.join('; ')}`;
      void test(`${library} is available`, { skip: reason }, () => {});
      return;
    }
    void test('interpreters used', (t) => {
      for (const oracle of this.oracles) {
        t.diagnostic(describeOracle(oracle));
      }
      for (const reason of this.unavailable) {
        t.diagnostic(`not used: ${reason}`);
      }
      assert.ok(this.oracles.length > 0);
    });
  }

  /** Registers `body` once per oracle, each in a suite named after the library version and interpreter. */
  describeEach(body: (oracle: Oracle<Info>) => void): void {
    for (const oracle of this.oracles) {
      void describe(`${this.options.library} ${oracle.version} via ${oracle.interpreter}`, () => body(oracle));
    }
  }
}
