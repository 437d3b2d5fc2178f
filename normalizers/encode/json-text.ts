// JSON.stringify plus escapes for the characters it leaves raw that can harm a log pipeline, a reader or a terminal.
import { INVISIBLE_CLASS } from '../text.js';

// JSON.stringify (ECMA-262 QuoteJSONString) escapes U+0000-U+001F, `"` and `\`, but writes DEL, the C1 controls
// (U+0080-U+009F: U+009B is a one-character CSI on some terminals, U+0085 a line break for Java and Python), U+2028 and
// U+2029 (line terminators for JavaScript, Java and Python), and the bidirectional and zero-width characters
// (text.ts) raw. Those only occur inside strings, so `\uXXXX` keeps the document equal after JSON.parse while no line
// splitter cuts the line and no viewer reorders or hides text. Lone surrogates are the one change of value:
// JSON.stringify writes them as `\ud800`, which a strict UTF-8 reader refuses (RFC 8259 §8.2: such a string is not
// interoperable), so they become U+FFFD as in CEF and LEEF.
// An escaped backslash is matched as a whole first, so that `\\ud800` (the text "\ud800") is never taken for an escape.
const TO_ESCAPE = new RegExp(`\\\\\\\\|\\\\ud[89a-f][0-9a-f]{2}|[\\u007f-\\u009f${INVISIBLE_CLASS}]`, 'g');
const MAYBE_TO_ESCAPE = new RegExp(`\\\\ud[89a-f]|[\\u007f-\\u009f${INVISIBLE_CLASS}]`);

function escaped(match: string): string {
  if (match === '\\\\') return match;
  if (match.length === 6) return '\\ufffd';
  return `\\u${match.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function safeJson(value: unknown): string {
  const text = JSON.stringify(value);
  // Almost no record holds such a character: a plain test is cheaper than a replace that finds nothing.
  if (!MAYBE_TO_ESCAPE.test(text)) return text;
  return text.replace(TO_ESCAPE, escaped);
}
