/**
 * Finds every `l10n.t(...)` call in the extension's sources with the TypeScript parser, so the
 * manifest test can check that each message is a literal and has a French translation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface L10nCall {
  file: string;
  line: number;
  /** undefined when the first argument is not a string literal. */
  message: string | undefined;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      walk(full, out);
    } else if (name.endsWith('.ts')) {
      out.push(full);
    }
  }
  return out;
}

export function findL10nCalls(srcDir: string): L10nCall[] {
  const calls: L10nCall[] = [];
  for (const file of walk(srcDir, [])) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't') {
        const owner = node.expression.expression;
        if (ts.isPropertyAccessExpression(owner) && owner.name.text === 'l10n') {
          const arg = node.arguments[0];
          const message = arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) ? arg.text : undefined;
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          calls.push({ file: path.relative(process.cwd(), file), line: line + 1, message });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return calls;
}

/** `npx tsx test/support/l10nStrings.ts` lists the messages that have no French translation yet. */
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  const fr = JSON.parse(readFileSync('l10n/bundle.l10n.fr.json', 'utf8')) as Record<string, string>;
  const missing = [...new Set(findL10nCalls('src').map((c) => c.message).filter((m): m is string => m !== undefined && !(m in fr)))];
  console.log(JSON.stringify(Object.fromEntries(missing.map((m) => [m, ''])), null, 2));
}
