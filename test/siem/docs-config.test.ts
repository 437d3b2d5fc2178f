// The target examples of docs/siem are valid configuration and send the format each page's searches assume.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { interpolate } from '../../src/config/interpolate.js';
import { targetSchema, type TargetConfig } from '../../src/targets/target-schema.js';
import { fencedBlocks } from './query-fields.js';

const DOCS = new URL('../../docs/siem/', import.meta.url);
const TA_README = new URL('../../deploy/siem/splunk/TA-snyk-siem-forwarder/README.md', import.meta.url);

/** The format each page's searches read, and the target type that sends it. */
const EXPECTED: Readonly<Record<string, { type: TargetConfig['type']; format: TargetConfig['format'] }>> = {
  'splunk.md': { type: 'splunk-hec', format: 'json' },
  'elastic.md': { type: 'elasticsearch', format: 'ecs' },
  'qradar.md': { type: 'syslog', format: 'leef' },
  'arcsight.md': { type: 'syslog', format: 'cef' },
  'sentinel.md': { type: 'syslog', format: 'cef' },
  'rapid7.md': { type: 'rapid7', format: 'json' },
};

/** The secrets the examples take from the environment, with values of the right shape. */
const ENV = {
  SPLUNK_HEC_TOKEN: '00000000-0000-0000-0000-000000000000',
  ES_API_KEY: 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==',
  RAPID7_LOG_TOKEN: '2bfbea1e-10c3-4419-bdad-7e6435882e1f',
};

/** Every target of the page's YAML examples, interpolated as the configuration loader does, then validated. */
function targetsOf(markdown: string, file: string): TargetConfig[] {
  return fencedBlocks(file, markdown)
    .filter((b) => b.lang === 'yaml')
    .flatMap((b) => {
      const problems: string[] = [];
      const doc = interpolate(parse(b.text), ENV, '', problems) as { targets: unknown[] };
      expect(problems).toEqual([]);
      return doc.targets;
    })
    .map((t) => targetSchema.parse(t));
}

describe('docs/siem target examples', () => {
  const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md');

  it('cover every SIEM page', () => {
    expect(pages.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const page of pages) {
    it(`${page}: the example parses and sends ${EXPECTED[page]?.format ?? '?'} over ${EXPECTED[page]?.type ?? '?'}`, () => {
      const targets = targetsOf(readFileSync(new URL(page, DOCS), 'utf8'), page);
      expect(targets).toHaveLength(1);
      expect({ type: targets[0]?.type, format: targets[0]?.format }).toEqual(EXPECTED[page]);
    });
  }

  it('the Splunk add-on README example sends json with the CIM fields and the add-on sourcetype, untruncated', () => {
    const [target] = targetsOf(readFileSync(TA_README, 'utf8'), 'README.md');
    expect(target?.type).toBe('splunk-hec');
    if (target?.type !== 'splunk-hec') return;
    expect(target.format).toBe('json');
    expect(target.cim).toBe(true);
    expect(target.sourcetype).toBe('snyk:finding');
    expect(target.maxRecordBytes).toBe(0);
  });

  it('elastic.md points Kibana at a data view that covers the target’s default data stream', () => {
    const text = readFileSync(new URL('elastic.md', DOCS), 'utf8');
    const [target] = targetsOf(text, 'elastic.md');
    expect(target?.type === 'elasticsearch' ? target.index : undefined).toBe('logs-snyk.findings-default');
    expect(text).toContain('data view for `logs-snyk.findings-*`');
  });
});
