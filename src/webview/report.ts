/**
 * The cache report webview: a treemap of memory by namespace (drills down on click), the TTL
 * distribution of the selected namespace, a table sortable by every column, the biggest keys and the
 * warnings. Colours come from the VS Code theme's CSS variables and follow theme changes; every text
 * comes localized from the extension.
 */
import * as echarts from 'echarts/core';
import { BarChart, TreemapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { NamespaceStats } from '../redis/report';
import type { FromWebview, ReportStrings, ReportView, ToWebview } from './protocol';
import './report.css';

echarts.use([TreemapChart, BarChart, GridComponent, TooltipComponent, SVGRenderer]);

interface VsCodeApi {
  postMessage(message: FromWebview): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let strings: ReportStrings | undefined;
let locale = 'en';
let view: ReportView | undefined;
let selectedId = '';
let sort: { column: Column; descending: boolean } = { column: 'memory', descending: true };
let treemap: echarts.ECharts | undefined;
let histogram: echarts.ECharts | undefined;

type Column = 'path' | 'keys' | 'memory' | 'ttlShare' | 'soon' | 'hour' | 'day' | 'longer' | 'none' | 'idleAvg' | 'idleMax';
const BUCKETS = ['soon', 'hour', 'day', 'longer', 'none'] as const;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, v);
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function fmtNumber(n: number): string {
  return new Intl.NumberFormat(locale).format(Math.round(n));
}

function unit(template: string, n: number, digits: number): string {
  return template.replace('{0}', new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n));
}

function fmtBytes(n: number): string {
  const u = (strings as ReportStrings).units;
  const units = [u.b, u.kb, u.mb, u.gb, u.tb];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return unit(units[i], v, i === 0 ? 0 : 1);
}

function fmtSeconds(s: number | null): string {
  const u = (strings as ReportStrings).units;
  if (s === null) {
    return '—';
  }
  if (s < 60) {
    return unit(u.s, s, 0);
  }
  if (s < 3600) {
    return unit(u.min, s / 60, 0);
  }
  return s < 86400 ? unit(u.h, s / 3600, 1) : unit(u.d, s / 86400, 1);
}

function fmtPercent(x: number): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(x);
}

function withMargin(value: string, margin: number, format: (n: number) => string): string {
  return margin > 0 ? `${value} ± ${format(margin)}` : value;
}

function label(ns: NamespaceStats): string {
  const s = strings as ReportStrings;
  if (ns.depth === 0) {
    return view?.report.scope.path ?? s.wholeDb;
  }
  return ns.path === '' || ns.name === '' ? `${ns.path} ${s.emptyName}`.trim() : ns.path;
}

function palette(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-yellow', '#cca700'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-red', '#f14c4c'),
  ];
}

interface TreeDatum {
  name: string;
  value: number;
  nsId?: string;
  children?: TreeDatum[];
  itemStyle?: { color: string };
  label?: { color: string };
}

/** Black or white, whichever reads better on `color` (a theme colour: #rgb, #rrggbb or rgb()). */
function textOn(color: string): string {
  let rgb: number[] = [];
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex.slice(0, 3)].map((c) => c + c).join('') : hex.slice(0, 6);
    rgb = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  } else {
    rgb = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  }
  if (rgb.length < 3) {
    return '#fff';
  }
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.35 ? '#000' : '#fff';
}

function treeData(v: ReportView): TreeDatum[] {
  const s = strings as ReportStrings;
  const byId = new Map(v.report.namespaces.map((n) => [n.id, n]));
  const build = (ns: NamespaceStats): TreeDatum => {
    const kids = ns.children.map((id) => byId.get(id)).filter((n): n is NamespaceStats => n !== undefined);
    const datum: TreeDatum = { name: ns.depth === 0 ? label(ns) : ns.name || s.emptyName, value: ns.memory, nsId: ns.id };
    if (kids.length > 0) {
      const children = kids.map(build);
      const rest = ns.memory - children.reduce((n, c) => n + c.value, 0) - (ns.others?.memory ?? 0);
      if (ns.others && ns.others.memory > 0) {
        children.push({ name: s.otherNamespaces.replace('{0}', fmtNumber(ns.others.namespaces)), value: ns.others.memory });
      }
      if (rest > 0 && ns.directKeys > 0) {
        children.push({ name: s.directKeys, value: rest, nsId: ns.id });
      }
      datum.children = children;
    }
    return datum;
  };
  const root = build(v.report.root);
  const top = root.children ?? [root];
  // The two levels drawn get the theme's chart colours in turn, so neighbours differ even when one
  // application prefix holds everything.
  const colors = palette();
  const paint = (d: TreeDatum, color: string): void => {
    d.itemStyle = { color };
    d.label = { color: textOn(color) };
  };
  top.forEach((d, i) => {
    paint(d, colors[i % colors.length]);
    (d.children ?? []).forEach((c, j) => paint(c, colors[(i + j + (top.length > 1 ? 1 : 0)) % colors.length]));
  });
  return top;
}

function renderTreemap(v: ReportView): void {
  const fg = themeColor('--vscode-editor-foreground', '#333');
  const bg = themeColor('--vscode-editor-background', '#fff');
  const border = themeColor('--vscode-contrastBorder', bg);
  treemap ??= echarts.init(byId('treemap'), undefined, { renderer: 'svg' });
  treemap.setOption(
    {
      color: palette(),
      tooltip: {
        backgroundColor: themeColor('--vscode-editorHoverWidget-background', bg),
        borderColor: themeColor('--vscode-editorHoverWidget-border', fg),
        textStyle: { color: themeColor('--vscode-editorHoverWidget-foreground', fg) },
        formatter: (p: { name: string; value: number; treePathInfo?: { name: string }[] }) => {
          const path = (p.treePathInfo ?? []).slice(1).map((x) => x.name).join(v.report.scope.delimiter ?? ':');
          return `${escapeHtml(path || p.name)}<br>${escapeHtml(fmtBytes(p.value))}`;
        },
      },
      series: [
        {
          type: 'treemap',
          name: label(v.report.root),
          data: treeData(v),
          // Two levels at once: a DB under one application prefix (nova:) still shows what fills it.
          leafDepth: 2,
          roam: false,
          nodeClick: 'zoomToNode',
          width: '100%',
          height: '88%',
          top: 0,
          breadcrumb: {
            show: true,
            bottom: 0,
            itemStyle: { color: themeColor('--vscode-button-secondaryBackground', bg), borderColor: border, textStyle: { color: themeColor('--vscode-button-secondaryForeground', fg) } },
            emphasis: { itemStyle: { color: themeColor('--vscode-button-secondaryHoverBackground', bg) } },
          },
          label: { show: true, formatter: (p: { name: string; value: number }) => `${p.name}\n${fmtBytes(p.value)}`, fontSize: 12, lineHeight: 16 },
          upperLabel: { show: true, height: 20, color: fg, formatter: (p: { name: string; value: number }) => `${p.name} · ${fmtBytes(p.value)}` },
          itemStyle: { borderColor: border === bg ? bg : border, borderWidth: border === bg ? 1 : 2, gapWidth: 2 },
          levels: [{ itemStyle: { borderColor: bg, borderWidth: 0, gapWidth: 2 } }, { colorSaturation: [0.35, 0.6], itemStyle: { gapWidth: 1, borderColorSaturation: 0.6 } }],
        },
      ],
    },
    true,
  );
  treemap.off('click');
  treemap.on('click', (p) => {
    const id = (p.data as TreeDatum | undefined)?.nsId;
    if (id !== undefined) {
      select(id);
    }
  });
}

function renderHistogram(v: ReportView): void {
  const s = strings as ReportStrings;
  const ns = v.report.namespaces.find((n) => n.id === selectedId) ?? v.report.root;
  const fg = themeColor('--vscode-editor-foreground', '#333');
  const grid = themeColor('--vscode-editorWidget-border', '#8884');
  const colors = [
    themeColor('--vscode-charts-red', '#f14c4c'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-yellow', '#cca700'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-purple', '#b180d7'),
  ];
  histogram ??= echarts.init(byId('histogram'), undefined, { renderer: 'svg' });
  const names = [s.bucketSoon, s.bucketHour, s.bucketDay, s.bucketLonger, s.bucketNone];
  histogram.setOption(
    {
      tooltip: { trigger: 'axis', formatter: (items: { name: string; value: number }[]) => escapeHtml(`${items[0].name}: ${fmtNumber(items[0].value)}`) },
      grid: { left: 60, right: 16, top: 16, bottom: 40 },
      xAxis: { type: 'category', data: names, axisLabel: { color: fg, interval: 0 }, axisLine: { lineStyle: { color: grid } } },
      yAxis: { type: 'value', axisLabel: { color: fg, formatter: (n: number) => fmtNumber(n) }, splitLine: { lineStyle: { color: grid } } },
      series: [{ type: 'bar', data: BUCKETS.map((b, i) => ({ value: ns.ttl[b], itemStyle: { color: colors[i] } })), label: { show: true, position: 'top', color: fg, formatter: (p: { value: number }) => fmtNumber(p.value) } }],
    },
    true,
  );
  byId('histogram-title').textContent = `${s.ttlDistribution} — ${label(ns)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cell(ns: NamespaceStats, column: Column): number | string {
  switch (column) {
    case 'path':
      return ns.path;
    case 'keys':
      return ns.keys;
    case 'memory':
      return ns.memory;
    case 'ttlShare':
      return ns.keys > 0 ? ns.withTtl / ns.keys : 0;
    case 'idleAvg':
      return ns.idleAvgSeconds ?? -1;
    case 'idleMax':
      return ns.idleMaxSeconds ?? -1;
    default:
      return ns.ttl[column];
  }
}

function renderTable(v: ReportView): void {
  const s = strings as ReportStrings;
  const columns: [Column, string][] = [
    ['path', s.namespace],
    ['keys', s.keys],
    ['memory', s.memory],
    ['ttlShare', s.ttlShare],
    ['soon', s.bucketSoon],
    ['hour', s.bucketHour],
    ['day', s.bucketDay],
    ['longer', s.bucketLonger],
    ['none', s.bucketNone],
    ['idleAvg', s.idleAvg],
    ['idleMax', s.idleMax],
  ];
  const table = byId<HTMLTableElement>('namespaces');
  table.replaceChildren();
  const head = el('tr');
  for (const [column, title] of columns) {
    const th = el('th', { scope: 'col', 'data-column': column, title: s.sortHint });
    const button = el('button', { class: 'sort', type: 'button' }, title);
    if (sort.column === column) {
      th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      button.textContent = `${title} ${sort.descending ? '▼' : '▲'}`;
    }
    button.addEventListener('click', () => {
      sort = { column, descending: sort.column === column ? !sort.descending : column !== 'path' };
      renderTable(v);
    });
    th.append(button);
    head.append(th);
  }
  table.append(el('thead'));
  (table.tHead as HTMLTableSectionElement).append(head);
  const rows = v.report.namespaces.filter((n) => n.depth > 0);
  rows.sort((a, b) => {
    const x = cell(a, sort.column);
    const y = cell(b, sort.column);
    const order = typeof x === 'string' ? x.localeCompare(String(y), locale, { numeric: true }) : x - (y as number);
    return sort.descending ? -order : order;
  });
  const body = el('tbody');
  for (const ns of rows) {
    const tr = el('tr', { 'data-namespace': ns.id });
    if (ns.id === selectedId) {
      tr.classList.add('selected');
    }
    const name = el('td', { class: 'name' });
    name.style.paddingInlineStart = `${0.3 + (ns.depth - 1) * 0.8}em`;
    const link = el('button', { class: 'link', type: 'button', title: s.showInTree }, label(ns));
    link.addEventListener('click', () => {
      select(ns.id);
      vscode.postMessage({ type: 'reveal', namespaceId: ns.id });
    });
    name.append(link);
    tr.append(name);
    tr.append(el('td', { class: 'num' }, withMargin(fmtNumber(ns.keys), ns.keysMargin, fmtNumber)));
    tr.append(el('td', { class: 'num' }, withMargin(fmtBytes(ns.memory), ns.memoryMargin, fmtBytes)));
    tr.append(el('td', { class: 'num' }, fmtPercent(ns.keys > 0 ? ns.withTtl / ns.keys : 0)));
    for (const b of BUCKETS) {
      tr.append(el('td', { class: 'num' }, fmtNumber(ns.ttl[b])));
    }
    tr.append(el('td', { class: 'num' }, fmtSeconds(ns.idleAvgSeconds)));
    tr.append(el('td', { class: 'num' }, fmtSeconds(ns.idleMaxSeconds)));
    body.append(tr);
  }
  table.append(body);
}

function renderBiggest(v: ReportView): void {
  const s = strings as ReportStrings;
  const table = byId<HTMLTableElement>('biggest');
  table.replaceChildren();
  const head = el('tr');
  for (const title of [s.key, s.type, s.memory, s.ttl, s.idle]) {
    head.append(el('th', { scope: 'col' }, title));
  }
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  const inScope = selectedId === '' ? v.report.biggest : v.report.biggest.filter((k) => inNamespace(v, k.namespaceId, selectedId));
  for (const k of inScope.slice(0, 20)) {
    const tr = el('tr');
    tr.append(el('td', { class: 'name' }, k.name));
    tr.append(el('td', {}, k.type === 'other' ? k.rawType : k.type));
    tr.append(el('td', { class: 'num' }, fmtBytes(k.memory)));
    tr.append(el('td', { class: 'num' }, k.ttlMs === null ? s.noExpiry : fmtSeconds(k.ttlMs / 1000)));
    tr.append(el('td', { class: 'num' }, fmtSeconds(k.idleSeconds)));
    body.append(tr);
  }
  table.append(thead, body);
}

/** Whether namespace `id` is `ancestor` or below it (ids are base64url of prefixes, so compare parents). */
function inNamespace(v: ReportView, id: string, ancestor: string): boolean {
  const byId = new Map(v.report.namespaces.map((n) => [n.id, n]));
  for (let n = byId.get(id); n; n = n.parentId === undefined ? undefined : byId.get(n.parentId)) {
    if (n.id === ancestor) {
      return true;
    }
  }
  return false;
}

function renderWarnings(v: ReportView): void {
  const s = strings as ReportStrings;
  const list = byId<HTMLUListElement>('warnings');
  list.replaceChildren();
  if (v.warningTexts.length === 0) {
    list.append(el('li', { class: 'none' }, s.noWarnings));
  }
  v.report.warnings.forEach((w, i) => {
    const li = el('li', { class: `warning ${w.kind}` });
    li.append(el('span', { class: 'codicon-like', 'aria-hidden': 'true' }, '⚠'), el('span', {}, v.warningTexts[i]));
    if (w.kind !== 'djangoVersionSkew') {
      const show = el('button', { class: 'link', type: 'button' }, s.showInTree);
      show.addEventListener('click', () => vscode.postMessage({ type: 'reveal', namespaceId: w.namespaceId }));
      li.append(show);
    }
    list.append(li);
  });
}

function select(id: string): void {
  selectedId = id;
  if (!view) {
    return;
  }
  const s = strings as ReportStrings;
  const ns = view.report.namespaces.find((n) => n.id === id);
  byId('selection').textContent = `${s.selected}: ${ns ? label(ns) : s.wholeDb}`;
  byId<HTMLButtonElement>('reveal-selected').hidden = !ns || ns.depth === 0;
  renderHistogram(view);
  renderTable(view);
  renderBiggest(view);
}

function render(): void {
  if (!view || !strings) {
    return;
  }
  const s = strings;
  byId('summary').textContent = view.summary;
  byId('method').textContent = view.methodLabel;
  byId<HTMLButtonElement>('full').hidden = !view.report.sampled;
  if (!view.report.namespaces.some((n) => n.id === selectedId)) {
    selectedId = view.report.root.id;
  }
  document.title = s.title;
  renderTreemap(view);
  renderWarnings(view);
  select(selectedId);
}

function layout(): void {
  const s = strings as ReportStrings;
  byId('title').textContent = s.title;
  byId('full').textContent = s.fullReport;
  byId('refresh').textContent = s.refresh;
  byId('export-csv').textContent = s.exportCsv;
  byId('export-json').textContent = s.exportJson;
  byId('treemap-title').textContent = s.memoryByNamespace;
  byId('namespaces-title').textContent = s.namespaces;
  byId('biggest-title').textContent = s.biggestKeys;
  byId('warnings-title').textContent = s.warnings;
  byId('reveal-selected').textContent = s.showInTree;
  byId('busy').textContent = s.running;
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  if (m.type === 'init') {
    strings = m.strings;
    locale = m.locale;
    layout();
  } else if (m.type === 'report') {
    view = m.view;
    render();
  } else {
    byId('busy').hidden = !m.busy;
    document.body.classList.toggle('busy', m.busy);
  }
});

byId('full').addEventListener('click', () => vscode.postMessage({ type: 'full' }));
byId('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
byId('export-csv').addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'csv' }));
byId('export-json').addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'json' }));
byId('reveal-selected').addEventListener('click', () => vscode.postMessage({ type: 'reveal', namespaceId: selectedId }));
window.addEventListener('resize', () => {
  treemap?.resize();
  histogram?.resize();
});
// VS Code swaps the body's theme class when the colour theme changes: redraw with the new colours.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
vscode.postMessage({ type: 'ready' });
