// Reads Splunk .conf files as Splunk does: stanzas, `key = value`, whole-line `#` comments, `\` line continuation.
import { readFileSync } from 'node:fs';

// Syntax: Splunk Admin Manual, "About configuration files" and "Configuration file structure"
// (https://docs.splunk.com/Documentation/Splunk/latest/Admin/Configurationfilestructure): a comment is a line
// starting with `#` (no inline comments), a stanza is `[name]`, settings before the first stanza are global (`''`).
export type ConfFile = Map<string, Map<string, string>>;

export function parseConf(text: string, file = 'conf'): ConfFile {
  const stanzas: ConfFile = new Map([['', new Map()]]);
  let current = stanzas.get('') as Map<string, string>;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    let line = (lines[i] ?? '').trim();
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      line = `${line.slice(0, -1)}\n${(lines[i] ?? '').trim()}`;
    }
    if (line === '' || line.startsWith('#')) continue;
    const stanza = /^\[(.*)\]$/.exec(line);
    if (stanza) {
      const name = stanza[1] ?? '';
      if (stanzas.has(name) && name !== '') throw new Error(`${file}:${i + 1}: stanza [${name}] twice`);
      current = stanzas.get(name) ?? new Map();
      stanzas.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}:${i + 1}: not a setting: ${line}`);
    const key = line.slice(0, eq).trim();
    if (current.has(key)) throw new Error(`${file}:${i + 1}: ${key} set twice`);
    current.set(key, line.slice(eq + 1).trim());
  }
  return stanzas;
}

export function readConf(url: URL): ConfFile {
  return parseConf(readFileSync(url, 'utf8'), url.pathname.split('/').slice(-2).join('/'));
}

/** One setting, or a thrown error naming what is missing. */
export function setting(conf: ConfFile, stanza: string, key: string): string {
  const value = conf.get(stanza)?.get(key);
  if (value === undefined) throw new Error(`[${stanza}] ${key} is not set`);
  return value;
}
