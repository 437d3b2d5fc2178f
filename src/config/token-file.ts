// A token given inline or as a file (`<section>.token` / `<section>.tokenFile`): read, checked and explained in one place.
import { readFileSync } from 'node:fs';

export interface TokenSource {
  token?: string | undefined;
  tokenFile?: string | undefined;
}

export interface TokenReader {
  /** Why the token cannot be had (start and validate list it with the other problems); undefined when it can. */
  problem(source: TokenSource): string | undefined;
  /** The token, read now; undefined when none is configured. Throws on an unreadable or unfit file. */
  read(source: TokenSource): string | undefined;
}

/**
 * A reader for the token of config key `key` (`admin.tokenFile`, `snyk.tokenFile`); `unfit` says what is wrong with a
 * file's content (its text, and the file for the message), or undefined.
 */
export function tokenReader(
  key: string,
  unfit: (text: string, file: string) => string | undefined,
): TokenReader {
  const fromFile = (file: string): { token?: string; problem?: string } => {
    let text: string;
    try {
      // One trailing newline dropped, as for the *_FILE variables (config/interpolate.ts).
      text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { problem: `${key}: cannot read ${file} (${code}); check the path and its permissions` };
    }
    const problem = unfit(text, file);
    return problem === undefined ? { token: text } : { problem: `${key}: ${problem}` };
  };
  return {
    problem: (source) => (source.tokenFile === undefined ? undefined : fromFile(source.tokenFile).problem),
    read: (source) => {
      if (source.tokenFile === undefined) return source.token;
      const { token, problem } = fromFile(source.tokenFile);
      if (token === undefined) throw new Error(problem);
      return token;
    },
  };
}
