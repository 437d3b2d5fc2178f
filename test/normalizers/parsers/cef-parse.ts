// An independent CEF parser written from the spec text ("Implementing ArcSight CEF" rev 25), used to check the encoder.

// Rules applied, straight from the spec's "Header" and "Character Encoding" sections:
// - `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`
// - in the header, `\|` is a literal pipe and `\\` a literal backslash; no other escape exists there, and a raw
//   CR or LF is not allowed;
// - in the extension, `\=` is a literal equals sign, `\\` a literal backslash, `\n` and `\r` are LF and CR;
//   an unescaped `=` ends a key; a value runs until the space before the next key; several spaces before a key
//   leave all but the last in the previous value; trailing spaces of the last value are not part of it.
// Anything else (an unknown escape, a raw newline, a stray `=`) makes this parser throw.

export interface ParsedCef {
  version: string;
  deviceVendor: string;
  deviceProduct: string;
  deviceVersion: string;
  deviceEventClassId: string;
  name: string;
  severity: string;
  extension: Map<string, string>;
}

export function parseCef(line: string): ParsedCef {
  if (!line.startsWith('CEF:')) throw new Error('CEF record must start with "CEF:"');
  if (/[\r\n]/.test(line)) throw new Error('raw CR or LF in a CEF record');
  const fields: string[] = [];
  let current = '';
  let i = 4;
  while (fields.length < 7) {
    if (i >= line.length) throw new Error(`CEF header has ${fields.length + 1} of 8 parts`);
    const c = line.charAt(i);
    if (c === '\\') {
      const next = line.charAt(i + 1);
      if (next !== '\\' && next !== '|') throw new Error(`unknown header escape \\${next} at ${i}`);
      current += next;
      i += 2;
    } else if (c === '|') {
      fields.push(current);
      current = '';
      i += 1;
    } else {
      current += c;
      i += 1;
    }
  }
  const [
    version = '',
    deviceVendor = '',
    deviceProduct = '',
    deviceVersion = '',
    deviceEventClassId = '',
    name = '',
    severity = '',
  ] = fields;
  return {
    version,
    deviceVendor,
    deviceProduct,
    deviceVersion,
    deviceEventClassId,
    name,
    severity,
    extension: parseExtension(line.slice(i)),
  };
}

function parseExtension(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  // Positions of unescaped '=' signs.
  const equals: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charAt(i);
    if (c === '\\') i += 1;
    else if (c === '=') equals.push(i);
  }
  if (equals.length === 0) throw new Error('CEF extension without any key=value pair');
  // Each key is the run of non-space characters right before its '='.
  const keys = equals.map((eq) => {
    const start = text.lastIndexOf(' ', eq - 1) + 1;
    const key = text.slice(start, eq);
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`invalid CEF key "${key}"`);
    return { key, start, valueStart: eq + 1 };
  });
  if (keys[0]?.start !== 0) throw new Error('CEF extension must start with a key');
  keys.forEach((k, index) => {
    const next = keys[index + 1];
    // The single space before the next key separates pairs; any further spaces belong to this value.
    const raw =
      next === undefined
        ? text.slice(k.valueStart).replace(/ +$/, '')
        : text.slice(k.valueStart, next.start - 1);
    if (next !== undefined && text.charAt(next.start - 1) !== ' ')
      throw new Error(`no space before key ${next.key}`);
    if (out.has(k.key)) throw new Error(`duplicate CEF key ${k.key}`);
    out.set(k.key, unescapeValue(raw));
  });
  return out;
}

function unescapeValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw.charAt(i + 1);
    i += 1;
    if (next === '\\' || next === '=') out += next;
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else throw new Error(`unknown extension escape \\${next}`);
  }
  return out;
}
