/** Readable, localized forms of TTLs and sizes for tree descriptions and tooltips. */
import * as vscode from 'vscode';
import { formatTtl as splitTtl, significantParts } from '../redis/ttl';
import { pluralIn } from '../util/plural';

/** `45 s`, `59 min`, `5 h 3 min`, `2 d 3 h`: the two most significant units, localized. */
export function formatTtl(ms: number | null): string {
  const parts = ms === null ? undefined : splitTtl(Math.max(0, ms));
  if (!parts) {
    return vscode.l10n.t('no expiry');
  }
  // Two units at most: seconds show under an hour, where the Keys view and value tabs count them down.
  return significantParts(parts)
    .map(([unit, n]) => {
      switch (unit) {
        case 'd':
          return vscode.l10n.t('{0} d', n);
        case 'h':
          return vscode.l10n.t('{0} h', n);
        case 'm':
          return vscode.l10n.t('{0} min', n);
        case 's':
          return vscode.l10n.t('{0} s', n);
      }
    })
    .join(' ');
}

export function formatNumber(n: number, maximumFractionDigits = 0): string {
  return n.toLocaleString(vscode.env.language, { maximumFractionDigits });
}

/** Round-trip times: one decimal below 10 ms, in the display language's number format. */
export function formatMs(ms: number): string {
  return formatNumber(ms, ms < 10 ? 1 : 0);
}

export function formatBytes(n: number): string {
  if (n < 1024) {
    return plural(n, vscode.l10n.t('{0} byte', formatNumber(n)), vscode.l10n.t('{0} bytes', formatNumber(n)));
  }
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < 3) {
    v /= 1024;
    i++;
  }
  // The unit symbols are translated too: French writes Ko, Mo, Go, To.
  const shown = formatNumber(v, 1);
  switch (i) {
    case 0:
      return vscode.l10n.t('{0} KB', shown);
    case 1:
      return vscode.l10n.t('{0} MB', shown);
    case 2:
      return vscode.l10n.t('{0} GB', shown);
    default:
      return vscode.l10n.t('{0} TB', shown);
  }
}

/** `one` or `other`, both already translated, by the plural rule of the display language. */
export function plural(n: number, one: string, other: string): string {
  return pluralIn(vscode.env.language, n, one, other);
}

export function keyCount(n: number): string {
  return plural(n, vscode.l10n.t('{0} key', formatNumber(n)), vscode.l10n.t('{0} keys', formatNumber(n)));
}

/** The size of a hash, list, set, sorted set or stream. */
export function elementCount(n: number): string {
  return plural(n, vscode.l10n.t('{0} element', formatNumber(n)), vscode.l10n.t('{0} elements', formatNumber(n)));
}
