// Builds the production bundle and packs the .vsix users install, then reports its size.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { packagedReadme } from './packagedReadme.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}.vsix`;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

run(process.execPath, ['esbuild.js', '--production']);
// The README the Extensions view shows, offline: see packagedReadme.mjs.
mkdirSync('dist', { recursive: true });
const readme = 'dist/README.md';
writeFileSync(readme, packagedReadme(readFileSync('README.md', 'utf8'), readFileSync('README.fr.md', 'utf8')));
// The bundle already contains every runtime dependency, so node_modules is not shipped.
run(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--readme-path', readme, '--out', out]);
const kb = statSync(out).size / 1024;
console.log(`${out}: ${kb.toFixed(1)} KB${kb > 500 ? ' (over the 500 KB budget)' : ''}`);
