/**
 * Live server statistics from INFO, sampled while Server Info is visible: ops/s, memory, hit ratio,
 * clients, evictions, last RDB save. Every field read here exists on Redis 3.0. Counters that only
 * grow (hits, misses, evictions) are turned into what happened between two samples.
 */

export interface StatsSample {
  /** Local time of the sample, in ms. */
  at: number;
  opsPerSec: number | undefined;
  usedMemory: number | undefined;
  hits: number | undefined;
  misses: number | undefined;
  clients: number | undefined;
  evicted: number | undefined;
  /** Unix time of the last successful RDB save, in seconds. */
  lastSave: number | undefined;
  /** The server's run id: a restart resets its counters. */
  runId: string | undefined;
}

function num(info: Map<string, string>, field: string): number | undefined {
  const v = info.get(field);
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function sampleOf(info: Map<string, string>, at: number): StatsSample {
  return {
    at,
    opsPerSec: num(info, 'instantaneous_ops_per_sec'),
    usedMemory: num(info, 'used_memory'),
    hits: num(info, 'keyspace_hits'),
    misses: num(info, 'keyspace_misses'),
    clients: num(info, 'connected_clients'),
    evicted: num(info, 'evicted_keys'),
    lastSave: num(info, 'rdb_last_save_time'),
    runId: info.get('run_id'),
  };
}

/** One value per sample (NaN where there is none: no lookups in the interval, a restart...). */
export interface StatsSeries {
  opsPerSec: number[];
  usedMemory: number[];
  /** Share of lookups that hit, 0 to 1, between a sample and the one before. */
  hitRatio: number[];
  clients: number[];
  /** Keys evicted between a sample and the one before. */
  evictions: number[];
}

export class StatsHistory {
  private readonly samples: StatsSample[] = [];

  constructor(private readonly max = 120) {}

  push(sample: StatsSample): void {
    const last = this.samples.at(-1);
    if (last && last.runId !== sample.runId) {
      // Another server or a restart: its counters start over, and so does the chart.
      this.samples.length = 0;
    }
    this.samples.push(sample);
    if (this.samples.length > this.max) {
      this.samples.shift();
    }
  }

  clear(): void {
    this.samples.length = 0;
  }

  get latest(): StatsSample | undefined {
    return this.samples.at(-1);
  }

  get length(): number {
    return this.samples.length;
  }

  /** Time covered from the first sample to the last, in ms. */
  get spanMs(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    return first && last ? last.at - first.at : 0;
  }

  series(): StatsSeries {
    const v = (x: number | undefined): number => x ?? Number.NaN;
    const delta = (i: number, f: (s: StatsSample) => number | undefined): number => {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      const x = a ? f(a) : undefined;
      const y = b ? f(b) : undefined;
      return x === undefined || y === undefined || y < x ? Number.NaN : y - x;
    };
    const out: StatsSeries = { opsPerSec: [], usedMemory: [], hitRatio: [], clients: [], evictions: [] };
    this.samples.forEach((s, i) => {
      out.opsPerSec.push(v(s.opsPerSec));
      out.usedMemory.push(v(s.usedMemory));
      out.clients.push(v(s.clients));
      const hits = delta(i, (x) => x.hits);
      const misses = delta(i, (x) => x.misses);
      out.hitRatio.push(hits + misses > 0 ? hits / (hits + misses) : Number.NaN);
      out.evictions.push(delta(i, (x) => x.evicted));
    });
    return out;
  }
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A text chart of the last `width` values, one block character each (`▁▃▅█`), scaled between their
 * minimum and maximum (or `[min, max]` when given); a missing value is a space. Renders in any editor
 * font, in every theme.
 */
export function sparkline(values: readonly number[], width = 40, range?: [number, number]): string {
  const shown = values.slice(-width);
  const finite = shown.filter(Number.isFinite);
  if (finite.length === 0) {
    return '';
  }
  const lo = range?.[0] ?? Math.min(...finite);
  const hi = range?.[1] ?? Math.max(...finite);
  return shown
    .map((x) => {
      if (!Number.isFinite(x)) {
        return ' ';
      }
      const t = hi === lo ? (hi === 0 ? 0 : 1) : (x - lo) / (hi - lo);
      return BARS[Math.min(BARS.length - 1, Math.max(0, Math.round(t * (BARS.length - 1))))];
    })
    .join('');
}
