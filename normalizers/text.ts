// Text hygiene shared by the CEF and LEEF encoders: visible stand-ins for control and invisible characters, and length limits.

/** Appended to a value cut to a format's length limit, so a reader can see that text is missing. */
export const TRUNCATION_MARKER = '…[truncated]';

// C0 controls other than CR and LF, DEL, C1 controls (U+0085 NEL among them), the line and paragraph separators
// U+2028/U+2029, the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), the zero-width
// characters (U+200B-U+200D, U+2060, U+FEFF), and lone UTF-16 surrogates. Java's `\R`, Python's str.splitlines and
// JavaScript's line terminators split lines on U+000B, U+000C, U+001C-U+001E, U+0085, U+2028 and U+2029 besides CR
// and LF, so any of them would let a value start a forged record on a line of its own; bidirectional controls
// reorder and zero-width characters hide text on screen (Trojan Source, CVE-2021-42574, https://trojansource.codes/).
/** Inside a character class: the line separators, bidirectional controls and zero-width characters above. */
export const INVISIBLE_CLASS = '\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff';
const C0_BUT_CR_LF = '\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f';
const C0 = '\\u0000-\\u001f';
const DEL_C1 = '\\u007f-\\u009f';
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const CONTROLS = new RegExp(`[${C0_BUT_CR_LF}${DEL_C1}${INVISIBLE_CLASS}]|${LONE_SURROGATE}`, 'g');
const CONTROLS_AND_NEWLINES = new RegExp(`[${C0}${DEL_C1}${INVISIBLE_CLASS}]|${LONE_SURROGATE}`, 'g');

// A quick test without lookarounds: most text has none of these characters and no surrogate at all.
const MAYBE_CONTROLS = new RegExp(`[${C0_BUT_CR_LF}${DEL_C1}${INVISIBLE_CLASS}\\ud800-\\udfff]`);
const MAYBE_CONTROLS_OR_NEWLINES = new RegExp(`[${C0}${DEL_C1}${INVISIBLE_CLASS}\\ud800-\\udfff]`);

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  // Unicode "Control Pictures" block (U+2400-U+2421): ␀ for NUL, ␛ for ESC, ␉ for TAB, ␡ for DEL.
  if (code <= 0x1f) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  // C1 controls, separators, bidirectional and zero-width characters and unpaired surrogates have no picture;
  // U+FFFD is the standard stand-in, and visible wherever it lands.
  return '\ufffd';
}

/**
 * Replaces every control character except CR and LF with a visible stand-in, so no terminal, syslog daemon or
 * SIEM parser is ever fed ESC sequences, NUL or tabs (rsyslog rewrites tab to #011), no line splitter finds a line
 * break, and no bidirectional or zero-width character reorders or hides text. CR and LF are left for the caller:
 * CEF extension values escape them as \r and \n.
 */
export function visibleText(value: string): string {
  return MAYBE_CONTROLS.test(value) ? value.replace(CONTROLS, visible) : value;
}

/** Like visibleText, but CR and LF become ␍ and ␊ too: for places with no newline escape (CEF header, LEEF). */
export function visibleLine(value: string): string {
  return MAYBE_CONTROLS_OR_NEWLINES.test(value) ? value.replace(CONTROLS_AND_NEWLINES, visible) : value;
}

/**
 * Cuts a value to `limit` UTF-16 code units (the unit Java-based consumers such as ArcSight count), marker included.
 * A surrogate pair is never split. Values within the limit are returned unchanged.
 */
export function truncate(value: string, limit: number): string {
  if (value.length <= limit) return value;
  let end = limit - TRUNCATION_MARKER.length;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end) + TRUNCATION_MARKER;
}

/**
 * `form` (visibleText or visibleLine) then `truncate`, without scanning more of a long value than can survive the
 * cut: both stand-in functions map one UTF-16 unit to one, so the first `limit + 1` units decide the result.
 */
export function fitted(value: string, limit: number, form: (text: string) => string): string {
  return truncate(form(value.length > limit + 1 ? value.slice(0, limit + 1) : value), limit);
}
