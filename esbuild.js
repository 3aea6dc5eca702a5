// Bundles the extension into one file so the .vsix ships no node_modules and activates fast.
const esbuild = require('esbuild');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

/**
 * The cache report's webview: its script and styles, charting library included, in dist/webview,
 * the only folder the webview may load from (no CDN).
 * @type {import('esbuild').BuildOptions}
 */
const webview = {
  entryPoints: ['src/webview/report.ts'],
  bundle: true,
  outdir: 'dist/webview',
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  sourcemap: !production,
  minify: production,
  legalComments: production ? 'external' : 'inline',
  logLevel: 'info',
};

async function main() {
  if (watch) {
    await Promise.all([options, webview].map(async (o) => (await esbuild.context(o)).watch()));
  } else {
    await Promise.all([esbuild.build(options), esbuild.build(webview)]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
