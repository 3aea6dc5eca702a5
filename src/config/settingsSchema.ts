/**
 * Every setting of the extension in one table: its key, type, default and bounds, and the one
 * function that turns raw configuration values into typed, clamped settings. No `vscode` import:
 * the thin reader in settings.ts feeds it, and a unit test checks the table against package.json.
 */
import { Settings } from '../constants';
import { DEFAULT_KEY_METHODS } from '../code/pyKeys';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../redis/deadline';
import type { ZsetOrder } from '../redis/values';

type NumberSpec = { type: 'number'; key: string; default: number; min: number; max: number; integer?: boolean };
type StringSpec = { type: 'string'; key: string; default: string; maxLength?: number };
type BooleanSpec = { type: 'boolean'; key: string; default: boolean };
type EnumSpec<T extends string> = { type: 'enum'; key: string; default: T; values: readonly T[] };
/** A JSON object setting, passed on as written: its own parser checks the entries (natMap). */
type ObjectSpec = { type: 'object'; key: string; default: Record<string, string> };
/** A list of strings (method names). */
type ListSpec = { type: 'list'; key: string; default: readonly string[] };

export type ReadOnlySetting = 'auto' | 'on' | 'off';

/** Keys are relative to the `nova.` section; their ids live with the others in constants.ts. */
export const SETTINGS = {
  envFile: { type: 'string', key: Settings.envFile, default: '.env' } as StringSpec,
  connectTimeoutMs: { type: 'number', key: Settings.connectTimeoutMs, default: 5000, min: 500, max: 60_000 } as NumberSpec,
  commandTimeoutMs: { type: 'number', key: Settings.commandTimeoutMs, default: DEFAULT_COMMAND_TIMEOUT_MS, min: 500, max: 300_000 } as NumberSpec,
  refreshIntervalSeconds: { type: 'number', key: Settings.refreshIntervalSeconds, default: 10, min: 2, max: 3600 } as NumberSpec,
  delimiter: { type: 'string', key: Settings.delimiter, default: ':', maxLength: 8 } as StringSpec,
  flatList: { type: 'boolean', key: Settings.flat, default: false } as BooleanSpec,
  pageSize: { type: 'number', key: Settings.pageSize, default: 200, min: 20, max: 5000, integer: true } as NumberSpec,
  // 0: COUNT follows the server's pace (ScanPacer); a positive value fixes it.
  scanCount: { type: 'number', key: Settings.scanCount, default: 0, min: 0, max: 10_000, integer: true } as NumberSpec,
  readOnly: { type: 'enum', key: Settings.readOnly, default: 'auto', values: ['auto', 'on', 'off'] } as EnumSpec<ReadOnlySetting>,
  previewThresholdBytes: { type: 'number', key: Settings.previewBytes, default: 1024 * 1024, min: 1024, max: 512 * 1024 * 1024, integer: true } as NumberSpec,
  // Highest first: NOVA's sorted sets are leaderboards, whose top is what one opens them for.
  zsetOrder: { type: 'enum', key: Settings.zsetOrder, default: 'highestFirst', values: ['highestFirst', 'lowestFirst'] } as EnumSpec<ZsetOrder>,
  clusterForceStandalone: { type: 'boolean', key: Settings.clusterForceStandalone, default: false } as BooleanSpec,
  clusterNatMap: { type: 'object', key: Settings.clusterNatMap, default: {} } as ObjectSpec,
  codeLinksEnabled: { type: 'boolean', key: Settings.codeLinksEnabled, default: true } as BooleanSpec,
  codeLinksMethods: { type: 'list', key: Settings.codeLinksMethods, default: DEFAULT_KEY_METHODS } as ListSpec,
  liveKeyspaceEvents: { type: 'boolean', key: Settings.liveKeyspaceEvents, default: false } as BooleanSpec,
  liveStatsIntervalSeconds: { type: 'number', key: Settings.liveStatsIntervalSeconds, default: 3, min: 1, max: 60, integer: true } as NumberSpec,
} as const;

type Spec = (typeof SETTINGS)[keyof typeof SETTINGS];

type ValueOf<S> = S extends NumberSpec
  ? number
  : S extends StringSpec
    ? string
    : S extends BooleanSpec
      ? boolean
      : S extends EnumSpec<infer T>
        ? T
        : S extends ObjectSpec
          ? unknown
          : S extends ListSpec
            ? readonly string[]
            : never;

export type NovaSettings = { [K in keyof typeof SETTINGS]: ValueOf<(typeof SETTINGS)[K]> };

function resolveOne(spec: Spec, raw: unknown): unknown {
  switch (spec.type) {
    case 'number': {
      // A hand-edited settings.json can hold a string or NaN: fall back rather than pass it on.
      const n = typeof raw === 'number' && Number.isFinite(raw) ? raw : spec.default;
      const clamped = Math.min(spec.max, Math.max(spec.min, n));
      return spec.integer ? Math.round(clamped) : clamped;
    }
    case 'string':
      return typeof raw === 'string' && (spec.maxLength === undefined || raw.length <= spec.maxLength) ? raw : spec.default;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : spec.default;
    case 'enum':
      return typeof raw === 'string' && (spec.values as readonly string[]).includes(raw) ? raw : spec.default;
    case 'object':
      return raw ?? spec.default;
    case 'list':
      return Array.isArray(raw) && raw.every((x) => typeof x === 'string') ? raw : spec.default;
  }
}

/** Typed settings from a raw lookup (`get('explorer.pageSize')`); wrong types fall back to the default. */
export function resolveSettings(get: (key: string) => unknown): NovaSettings {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [keyof typeof SETTINGS, Spec][]) {
    out[name] = resolveOne(spec, get(spec.key));
  }
  return out as NovaSettings;
}

/** The explorer's folder delimiter: null when the flat list is on (or the delimiter is empty). */
export function explorerDelimiter(s: Pick<NovaSettings, 'flatList' | 'delimiter'>): string | null {
  return s.flatList || s.delimiter === '' ? null : s.delimiter;
}
