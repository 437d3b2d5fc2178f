// Writes a measured table into its marked section of a document, so the document cannot drift from what was measured.
import { readFileSync, writeFileSync } from 'node:fs';

const RELIABILITY = new URL('../../docs/reliability.md', import.meta.url);

/**
 * Replaces the text between `<!-- generated:NAME:begin -->` and `<!-- generated:NAME:end -->` in docs/reliability.md
 * (or `file`). Throws when the markers are missing, so a renamed section fails the suite instead of going stale.
 */
export function writeGeneratedSection(name: string, markdown: string, file: URL = RELIABILITY): void {
  const begin = `<!-- generated:${name}:begin -->`;
  const end = `<!-- generated:${name}:end -->`;
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from)
    throw new Error(`${file.pathname} has no ${begin} … ${end} section`);
  writeFileSync(file, `${text.slice(0, from + begin.length)}\n${markdown.trim()}\n${text.slice(to)}`);
}

/** A Markdown table from a header row and data rows. */
export function markdownTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly (string | number)[]>,
): string {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((cell) => String(cell)).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
