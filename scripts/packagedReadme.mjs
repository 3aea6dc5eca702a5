// The README shipped inside the .vsix. VS Code shows it in the Extensions view, offline, where only
// https: and data: images load and where vsce would turn relative links into links to a repository
// that is not published. So: no images, the French README on the same page (the language link
// becomes a link to its heading), and links to other files of the repository kept as plain text.

const FRENCH_HEADING = 'Version française';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as dashes. */
function anchor(heading) {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-');
}

/** One README's text for the package: images dropped, links to repository files kept as their text. */
function offline(markdown) {
  return (
    markdown
      // A line that only holds an image goes with its blank line.
      .replace(/^!\[[^\]]*\]\([^)]*\)[ \t]*\n(?:[ \t]*\n)?/gm, '')
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      // In-page anchors and absolute URLs work offline; a path into the repository does not.
      .replace(/(?<!!)\[([^\]]+)\]\((?!#|https?:|mailto:)([^)\s]+)\)/g, (_m, text, target) => (text === target ? `\`${target}\`` : `${text} (\`${target}\`)`))
  );
}

/** The English README, then the French one under its own heading; the language links point within the page. */
export function packagedReadme(english, french) {
  const en = offline(english.replace(/\*\[Version française\]\(README\.fr\.md\)\*/, `*[${FRENCH_HEADING}](#${anchor(FRENCH_HEADING)})*`));
  const fr = offline(french.replace(/^\*\[English version\]\(README\.md\)\*\n+/m, '')).replace(/^# (.+)$/m, `# ${FRENCH_HEADING}\n\n*$1*`);
  return `${en.trimEnd()}\n\n---\n\n${fr.trimEnd()}\n`;
}
