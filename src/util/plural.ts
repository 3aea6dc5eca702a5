/**
 * Singular or plural by the display language's plural rule: English says "0 keys" and "1 key", French
 * "0 clé", "1 clé" and "2 clés". The caller translates both forms itself, because `l10n.t` only finds
 * literal messages; this module stays free of vscode so the rule can be unit-tested.
 */
const rules = new Map<string, Intl.PluralRules>();

function rulesFor(language: string): Intl.PluralRules {
  let r = rules.get(language);
  if (!r) {
    try {
      r = new Intl.PluralRules(language);
    } catch {
      // VS Code passes a BCP 47 tag; anything else gets the English rule rather than an exception in a view.
      r = new Intl.PluralRules('en');
    }
    rules.set(language, r);
  }
  return r;
}

/** `one` when `n` takes the singular in `language`, `other` otherwise (French "many" included). */
export function pluralIn(language: string, n: number, one: string, other: string): string {
  return rulesFor(language).select(n) === 'one' ? one : other;
}
