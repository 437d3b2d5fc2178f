// An independent LEEF 2.0 parser written from IBM's "LEEF format guide", used to check the encoder.

// Rules applied ("LEEF event components", Table 2):
// - `LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|` then the attributes;
// - the delimiter is one character, or its hex value prefixed with `0x` or `x` (1-4 hex digits);
// - attributes are `key=value` pairs separated by the delimiter, in any order;
// - the EventID is at most 255 characters.
// LEEF defines no escape sequence, so a header field can never contain `|`, a value never contains the
// delimiter, and a key ends at the first `=` of its pair. A raw CR or LF is not allowed in a record.

export interface ParsedLeef {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  eventId: string;
  delimiter: string;
  attributes: Map<string, string>;
}

export function parseLeef(line: string): ParsedLeef {
  if (/[\r\n]/.test(line)) throw new Error('raw CR or LF in a LEEF record');
  const parts: string[] = [];
  let rest = line;
  for (let n = 0; n < 6; n += 1) {
    const bar = rest.indexOf('|');
    if (bar < 0) throw new Error(`LEEF header has ${n} of 6 fields`);
    parts.push(rest.slice(0, bar));
    rest = rest.slice(bar + 1);
  }
  const [version = '', vendor = '', product = '', productVersion = '', eventId = '', delimiterField = ''] =
    parts;
  if (version !== 'LEEF:2.0') throw new Error(`not a LEEF 2.0 record: ${version}`);
  if (eventId.length === 0 || eventId.length > 255) throw new Error('EventID must be 1-255 characters');
  const delimiter = decodeDelimiter(delimiterField);
  const attributes = new Map<string, string>();
  if (rest !== '') {
    for (const pair of rest.split(delimiter)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`LEEF attribute without key: "${pair.slice(0, 40)}"`);
      const key = pair.slice(0, eq);
      if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`invalid LEEF key "${key}"`);
      if (attributes.has(key)) throw new Error(`duplicate LEEF key ${key}`);
      attributes.set(key, pair.slice(eq + 1));
    }
  }
  return { version, vendor, product, productVersion, eventId, delimiter, attributes };
}

function decodeDelimiter(field: string): string {
  const hex = /^(?:0x|x)([0-9A-Fa-f]{1,4})$/.exec(field);
  if (hex?.[1] !== undefined) return String.fromCharCode(parseInt(hex[1], 16));
  if ([...field].length !== 1) throw new Error(`invalid LEEF delimiter "${field}"`);
  return field;
}
