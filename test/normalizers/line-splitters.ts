// How common readers cut text into lines: a record must come out of every one of them as exactly one piece.
/* eslint-disable no-control-regex -- these are the control characters readers split lines on. */

/** Each reader's line terminators, as a regex that splits on them. */
export const LINE_SPLITTERS: Readonly<Record<string, RegExp>> = {
  // Java's `\R` linebreak matcher (java.util.regex.Pattern, "Linebreak matcher"); Scanner.nextLine splits on a subset.
  'java \\R': /\r\n|[\n\u000b\u000c\r\u0085\u2028\u2029]/,
  // Python's str.splitlines (https://docs.python.org/3/library/stdtypes.html#str.splitlines).
  'python splitlines': /\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/,
  // ECMAScript LineTerminator (ECMA-262 §12.3), what `^` and `$` match at under the `m` flag.
  'javascript /m': /\r\n|[\n\r\u2028\u2029]/,
  // RFC 6587 §3.4.2 non-transparent framing: LF is the trailer, NUL and CRLF are seen too.
  'syslog trailer': /\r\n|[\n\u0000]/,
};

/** The names of the readers that cut `line` into more than one piece. */
export function splittersThatCut(line: string): string[] {
  return Object.entries(LINE_SPLITTERS)
    .filter(([, splitter]) => line.split(splitter).length !== 1)
    .map(([name]) => name);
}
