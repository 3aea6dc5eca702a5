// Builds the production bundle and packs the .vsix users install, then reports its size.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}.vsix`;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

run(process.execPath, ['esbuild.js', '--production']);
// The bundle already contains every runtime dependency, so node_modules is not shipped.
run(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--out', out]);
const kb = statSync(out).size / 1024;
console.log(`${out}: ${kb.toFixed(1)} KB${kb > 500 ? ' (over the 500 KB budget)' : ''}`);
