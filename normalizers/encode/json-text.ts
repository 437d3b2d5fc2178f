// JSON.stringify plus escapes for the characters it leaves raw that can still harm a log pipeline or a terminal.

// JSON.stringify (ECMA-262 QuoteJSONString) escapes U+0000-U+001F, `"`, `\` and lone surrogates, but writes DEL,
// the C1 controls (U+0080-U+009F: U+009B is a one-character CSI on some terminals) and U+2028/U+2029 (line
// terminators for JavaScript and some line splitters) raw. Those only occur inside strings, so `\uXXXX` keeps the
// document equal after JSON.parse.
const RAW_LEFT_BY_STRINGIFY = /[\u007f-\u009f\u2028\u2029]/g;

const ANY_RAW_LEFT = /[\u007f-\u009f\u2028\u2029]/;

export function safeJson(value: unknown): string {
  const text = JSON.stringify(value);
  // Almost no record holds such a character: a plain test is cheaper than a replace that finds nothing.
  if (!ANY_RAW_LEFT.test(text)) return text;
  return text.replace(RAW_LEFT_BY_STRINGIFY, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
