// The Elasticsearch target's default: a data stream under the shipped index template, written with `create` only.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encode, facets, normalize } from '../../../normalizers/index.js';
import { encodedRecord, type EncodedRecord, type OutputFormat } from '../../../src/record-batch.js';
import { DEFAULT_INDEX, elasticsearchTargetSchema } from '../../../src/targets/elasticsearch/config.js';
import { installIndexTemplate } from '../../../src/targets/elasticsearch/setup.js';
import { buildElasticsearchTarget } from '../../../src/targets/elasticsearch/target.js';
import { startElasticsearchPeer, type ElasticsearchPeer } from '../../helpers/peers/elasticsearch-peer.js';
import { batchOf, recordingContext, silentLogger } from '../../helpers/peers/records.js';
import { GOLDEN_CASES, readFixture } from '../../normalizers/golden-cases.js';

let peer: ElasticsearchPeer;

/** Every record of the real fixtures, encoded as the target would receive it. */
function fixtureRecords(format: OutputFormat): EncodedRecord[] {
  return GOLDEN_CASES.flatMap((c) => {
    const body = c.body ? c.body(readFixture(c.fixture).json) : readFixture(c.fixture).json;
    return normalize(body, c.context).map((record) =>
      encodedRecord(facets(record), format, encode(record, format)),
    );
  });
}

beforeAll(async () => {
  peer = await startElasticsearchPeer();
});
afterAll(async () => {
  await peer.close();
});
beforeEach(() => {
  peer.templates.clear();
  peer.indices.clear();
  peer.requests.length = 0;
});

describe('elasticsearch data stream', () => {
  const config = (extra: Record<string, unknown> = {}) =>
    elasticsearchTargetSchema.parse({
      name: 'es',
      type: 'elasticsearch',
      url: 'http://127.0.0.1:1',
      ...extra,
    });

  it('defaults to the data stream logs-snyk.findings-default and the ecs format', () => {
    const parsed = config();
    expect(parsed.index).toBe('logs-snyk.findings-default');
    expect(DEFAULT_INDEX).toBe('logs-snyk.findings-default');
    expect(parsed.format).toBe('ecs');
  });

  it('refuses the json format on a logs-<dataset>-<namespace> name, whose documents need @timestamp', () => {
    const result = elasticsearchTargetSchema.safeParse({
      name: 'es',
      type: 'elasticsearch',
      url: 'http://127.0.0.1:1',
      format: 'json',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('need @timestamp');
    expect(config({ format: 'json', index: 'snyk-findings' }).index).toBe('snyk-findings');
  });

  it('after setup, every real ecs record is stored in the data stream through create actions', async () => {
    const es = config({ url: peer.url });
    expect((await installIndexTemplate(es, { timeoutMs: 5_000 })).status).toBe('installed');
    const target = buildElasticsearchTarget(es, { logger: silentLogger });
    const records = fixtureRecords('ecs');
    const rec = recordingContext();
    await target.send(batchOf(records), rec.context);
    await target.close();
    expect(rec.rejected.size).toBe(0);
    expect([...(peer.indices.get(DEFAULT_INDEX)?.keys() ?? [])].sort()).toEqual(
      records.map((r) => r.id).sort(),
    );
    const actions = peer.requests
      .filter((r) => r.url.startsWith('/_bulk'))
      .flatMap((r) =>
        r.body
          .toString('utf8')
          .split('\n')
          .filter((_, i) => i % 2 === 0 && _ !== ''),
      )
      .map((line) => Object.keys(JSON.parse(line) as object)[0]);
    expect(new Set(actions)).toEqual(new Set(['create']));
  });

  it('the data stream takes create actions only, as Elasticsearch does, so a target must never send index', async () => {
    await installIndexTemplate(config({ url: peer.url }), { timeoutMs: 5_000 });
    const [record] = fixtureRecords('ecs');
    if (record === undefined) throw new Error('no fixture record');
    const bulk = (op: string) =>
      fetch(`${peer.url}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify({ [op]: { _index: DEFAULT_INDEX, _id: record.id } })}\n${record.body}\n`,
      }).then(
        async (r) =>
          (await r.json()) as { items: Record<string, { status: number; error?: { reason: string } }>[] },
      );
    const refused = (await bulk('index')).items[0]?.['index'];
    expect(refused?.status).toBe(400);
    expect(refused?.error?.reason).toContain('op_type of create');
    expect((await bulk('create')).items[0]?.['create']?.status).toBe(201);
  });

  it('the data stream refuses a document without @timestamp, as Elasticsearch does (why json needs another index)', async () => {
    const es = config({ url: peer.url });
    await installIndexTemplate(es, { timeoutMs: 5_000 });
    const target = buildElasticsearchTarget(es, { logger: silentLogger });
    const [first] = fixtureRecords('json');
    if (first === undefined) throw new Error('no fixture record');
    const rec = recordingContext();
    await target.send(batchOf([first]), rec.context).catch(() => undefined);
    await target.close();
    expect(rec.rejected.get(first.id)).toContain('[@timestamp] is missing');
    expect(peer.indices.get(DEFAULT_INDEX)?.size ?? 0).toBe(0);
  });
});
