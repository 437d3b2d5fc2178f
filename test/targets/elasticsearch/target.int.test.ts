// Tests of the Elasticsearch target against the emulated _bulk endpoint: per-item outcomes, idempotent resends, auth, config.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SendError } from '../../../src/errors.js';
import { elasticsearchTargetSchema } from '../../../src/targets/elasticsearch/config.js';
import { buildElasticsearchTarget } from '../../../src/targets/elasticsearch/target.js';
import type { EncodedRecord } from '../../../src/record-batch.js';
import type { Target } from '../../../src/targets/types.js';
import {
  startElasticsearchPeer,
  storedIds,
  type ElasticsearchPeer,
} from '../../helpers/peers/elasticsearch-peer.js';
import {
  batchOf,
  jsonRecords,
  recordingContext,
  silentLogger,
  type RecordingContext,
  at,
  deliveryFailure,
} from '../../helpers/peers/records.js';

let peer: ElasticsearchPeer;
const INDEX = 'logs-snyk-default';

function build(overrides: Record<string, unknown> = {}): Target {
  const config = elasticsearchTargetSchema.parse({
    name: 'es',
    type: 'elasticsearch',
    url: peer.url,
    index: INDEX,
    timeoutMs: 2_000,
    ...overrides,
  });
  return buildElasticsearchTarget(config, { logger: silentLogger });
}

/** What a job retry carries: the job's records minus checkpointed and refused ids (the target worker does this). */
function remaining(records: readonly EncodedRecord[], rec: RecordingContext): EncodedRecord[] {
  const done = new Set(rec.checkpointed());
  return records.filter((r) => !done.has(r.id) && !rec.rejected.has(r.id));
}

beforeAll(async () => {
  peer = await startElasticsearchPeer();
});
afterAll(async () => {
  await peer.close();
});
beforeEach(() => {
  peer.behaviour = 'ok';
  peer.authorization = undefined;
  peer.indices.clear();
  peer.receivedCount.clear();
  peer.itemFaults.clear();
  peer.alwaysReject.clear();
  peer.requests.length = 0;
});

describe('elasticsearch _bulk', () => {
  it('creates each record with its id as _id in the configured index', async () => {
    const target = build();
    const records = jsonRecords(4, 'a', 'ecs');
    const rec = recordingContext();
    await target.send(batchOf(records), rec.context);
    expect([...(peer.indices.get(INDEX)?.entries() ?? [])]).toEqual(
      records.map((r) => [r.id, JSON.parse(r.body)]),
    );
    expect(rec.checkpointed()).toEqual(records.map((r) => r.id));
    expect(peer.requests[0]?.url).toMatch(/^\/_bulk\?filter_path=/);
    await target.close();
  });

  it('a resend is idempotent: 409 version_conflict on create counts as delivered', async () => {
    const target = build();
    const records = jsonRecords(3, 'dup', 'ecs');
    await target.send(batchOf(records), recordingContext().context);
    await target.send(batchOf(records), recordingContext().context);
    expect(storedIds(peer)).toEqual(records.map((r) => r.id));
    expect(peer.receivedCount.get('dup0')).toBe(2);
    await target.close();
  });

  it('mixed items: succeeded never resent, 429 resent, 400 reported permanent', async () => {
    const target = build();
    const records = jsonRecords(10, 'm', 'ecs');
    peer.itemFaults.set('m3', [429]);
    peer.itemFaults.set('m7', [503]);
    peer.alwaysReject.add('m5');
    const rec = recordingContext();

    // Attempt 1: 429 and 503 items retryable → partial_failure; m5 marked refused; everything else checkpointed.
    const first = await deliveryFailure(target.send(batchOf(records), rec.context));
    expect(first.retryable).toBe(true);
    expect(first.code).toBe('partial_failure');
    expect(first.message).toContain('m5 (400 mapper_parsing_exception');
    expect(rec.checkpointed().sort()).toEqual(['m0', 'm1', 'm2', 'm4', 'm6', 'm8', 'm9']);
    expect([...rec.rejected.keys()]).toEqual(['m5']);
    expect(rec.rejected.get('m5')).toMatch(/^400 mapper_parsing_exception/);

    // Attempt 2 (the job's retry): only m3 and m7 travel.
    const retry = remaining(records, rec);
    expect(retry.map((r) => r.id)).toEqual(['m3', 'm7']);
    await target.send(batchOf(retry), rec.context);

    for (const record of records) {
      const expected = record.id === 'm3' || record.id === 'm7' ? 2 : 1;
      expect(peer.receivedCount.get(record.id), record.id).toBe(expected);
    }
    expect(storedIds(peer).sort()).toEqual(
      records
        .map((r) => r.id)
        .filter((id) => id !== 'm5')
        .sort(),
    );
    await target.close();
  });

  it('only permanent item failures → permanent record_rejected with ids and reasons', async () => {
    const target = build();
    peer.alwaysReject.add('p1');
    const rec = recordingContext();
    const error = await deliveryFailure(target.send(batchOf(jsonRecords(3, 'p', 'ecs')), rec.context));
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('record_rejected');
    expect(error.message).toMatch(/p1 \(400 mapper_parsing_exception: failed to parse field/);
    expect(rec.checkpointed().sort()).toEqual(['p0', 'p2']);
    expect([...rec.rejected.keys()]).toEqual(['p1']);
    await target.close();
  });

  it('a document ES cannot parse is rejected for good', async () => {
    // json has no @timestamp, so it goes to a plain index (a logs-*-* name is refused for it: data-stream.int.test.ts).
    const target = build({ format: 'json', index: 'snyk-findings' });
    const bad: EncodedRecord = { ...at(jsonRecords(1, 'bad', 'json'), 0), body: '"just a string"' };
    const error = await deliveryFailure(target.send(batchOf([bad]), recordingContext().context));
    expect(error.code).toBe('record_rejected');
    await target.close();
  });

  it('request-level 429 with Retry-After → rateLimited; 401 → permanent', async () => {
    const target = build();
    peer.behaviour = 'throttle';
    const throttled = await deliveryFailure(
      target.send(batchOf(jsonRecords(1, 't', 'ecs')), recordingContext().context),
    );
    expect(throttled.code).toBe('rate_limited');
    expect(throttled.retryAfterMs).toBe(2_000);
    peer.behaviour = 'ok';
    peer.authorization = 'ApiKey right';
    const denied = await deliveryFailure(
      target.send(batchOf(jsonRecords(1, 't', 'ecs')), recordingContext().context),
    );
    expect(denied.retryable).toBe(false);
    expect(denied.message).toContain('401');
    await target.close();
  });

  it('sends ApiKey or Basic authorization', async () => {
    peer.authorization = 'ApiKey a2V5OnNlY3JldA==';
    const withKey = build({ apiKey: 'a2V5OnNlY3JldA==' });
    await withKey.send(batchOf(jsonRecords(1, 'k', 'ecs')), recordingContext().context);
    await withKey.close();
    peer.authorization = `Basic ${Buffer.from('elastic:changeme').toString('base64')}`;
    const withBasic = build({ username: 'elastic', password: 'changeme' });
    await withBasic.send(batchOf(jsonRecords(1, 'b', 'ecs')), recordingContext().context);
    await withBasic.close();
    expect(storedIds(peer).sort()).toEqual(['b0', 'k0']);
  });

  it('splits by maxEvents; a retryable item stops further requests of the job', async () => {
    const target = build({ batch: { maxEvents: 4, maxWaitMs: 0 } });
    const records = jsonRecords(12, 's', 'ecs');
    peer.itemFaults.set('s5', [429]);
    const rec = recordingContext();
    await deliveryFailure(target.send(batchOf(records), rec.context));
    expect(peer.requests.length).toBe(2);
    expect(rec.checkpoints.map((c) => c.length)).toEqual([4, 3]);
    await target.send(batchOf(remaining(records, rec)), rec.context);
    expect(storedIds(peer).length).toBe(12);
    expect(peer.receivedCount.get('s0')).toBe(1);
    await target.close();
  });

  it('maxWaitMs merges jobs and gives each job its own per-item outcome', async () => {
    const target = build({ batch: { maxWaitMs: 40 } });
    peer.alwaysReject.add('y0');
    const x = recordingContext();
    const y = recordingContext();
    const z = recordingContext();
    const results = await Promise.allSettled([
      target.send(batchOf(jsonRecords(2, 'x', 'ecs')), x.context),
      target.send(batchOf(jsonRecords(2, 'y', 'ecs')), y.context),
      target.send(batchOf(jsonRecords(2, 'z', 'ecs')), z.context),
    ]);
    expect(peer.requests.length).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as SendError).code).toBe('record_rejected');
    expect(y.checkpointed()).toEqual(['y1']);
    expect([...y.rejected.keys()]).toEqual(['y0']);
    expect(x.checkpointed()).toEqual(['x0', 'x1']);
    await target.close();
  });
});

describe('elasticsearch config', () => {
  const base = { name: 'es', type: 'elasticsearch', url: 'https://es.example:9200', index: 'snyk' };
  it('defaults to ecs and refuses cef/leef with a clear message', () => {
    expect(elasticsearchTargetSchema.parse(base).format).toBe('ecs');
    const result = elasticsearchTargetSchema.safeParse({ ...base, format: 'cef' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('format must be ecs or json');
  });
  it('checks index names and credential combinations', () => {
    for (const bad of [
      { index: 'Upper' },
      { index: '_private' },
      { index: 'a,b' },
      { apiKey: 'k', username: 'u', password: 'p' },
      { username: 'u' },
    ]) {
      expect(elasticsearchTargetSchema.safeParse({ ...base, ...bad }).success, JSON.stringify(bad)).toBe(
        false,
      );
    }
  });
});
