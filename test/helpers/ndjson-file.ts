// Reads NDJSON that another process is still writing (a file target's output, a child's log): complete lines only.
import { existsSync, readFileSync } from 'node:fs';

/**
 * Parses every newline-terminated line of `text` that passes `keep`. A test polls output while it is being
 * written, so the last line may be half-written at that instant; it is left for the next poll, not read as broken.
 */
export function completeJsonLines<T = Record<string, unknown>>(
  text: string,
  keep: (line: string) => boolean = (line) => line !== '',
): T[] {
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line !== '' && keep(line))
    .map((line) => JSON.parse(line) as T);
}

/** The complete NDJSON lines of a file that may not exist yet. */
export function completeNdjsonLines<T = Record<string, unknown>>(file: string): T[] {
  return existsSync(file) ? completeJsonLines<T>(readFileSync(file, 'utf8')) : [];
}
