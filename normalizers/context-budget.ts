// Fits the org and project fields that every record of a delivery repeats into a budget (mapping §8).
import { LIMITS } from './limits.js';
import { truncate } from './text.js';
import type { OrgInfo, ProjectInfo, ProjectTag } from './types.js';

// Every finding repeats the delivery's org and project fields, so their size is multiplied by the number of records:
// a 2 MB body with 20,000 minimal issues and a context padded to every per-field limit would become gigabytes of
// records. The whole delivery therefore gets LIMITS.contextTotal characters of context, shared out per record but
// never less than LIMITS.contextPerRecordMin (three times a real context: ids, names, URLs and a few tags come to
// 0.5-1 KB) nor more than LIMITS.contextPerRecordMax.

const ORG_FIELDS = ['id', 'name', 'slug', 'url', 'groupId', 'groupName'] as const;
const PROJECT_FIELDS = [
  'id',
  'name',
  'type',
  'origin',
  'branch',
  'targetFile',
  'browseUrl',
  'imageId',
  'imageTag',
  'imageBaseImage',
  'imagePlatform',
  'imageCluster',
] as const;
const ATTRIBUTES = ['criticality', 'environment', 'lifecycle'] as const;

/** Characters of context one record may carry when a delivery makes `records` records. */
export function contextBudget(records: number): number {
  const share = Math.floor(LIMITS.contextTotal / Math.max(1, records));
  return Math.min(LIMITS.contextPerRecordMax, Math.max(LIMITS.contextPerRecordMin, share));
}

/**
 * The org and project as they are, when their text fits `budget` characters. Otherwise the lists give way first
 * (attribute values, then tags, kept in order while they fit and counted in `attributesOmitted` / `tagsOmitted`),
 * then, if the single fields alone are over the budget, each is cut to an equal share with the truncation marker.
 */
export function fitContext(
  org: OrgInfo | undefined,
  project: ProjectInfo,
  budget: number,
): { org: OrgInfo | undefined; project: ProjectInfo } {
  const scalars = scalarLength(org, ORG_FIELDS) + scalarLength(project, PROJECT_FIELDS);
  const attributeValues = ATTRIBUTES.flatMap((key) => project.attributes[key]);
  const lists =
    sumLength(attributeValues) + project.tags.reduce((n, t) => n + t.key.length + t.value.length, 0);
  if (scalars + lists <= budget) return { org, project };

  let room = Math.max(0, budget - scalars);
  const attributes: ProjectInfo['attributes'] = { criticality: [], environment: [], lifecycle: [] };
  let attributesOmitted = 0;
  for (const key of ATTRIBUTES) {
    for (const value of project.attributes[key]) {
      if (value.length <= room) {
        attributes[key].push(value);
        room -= value.length;
      } else {
        attributesOmitted += 1;
      }
    }
  }
  const tags: ProjectTag[] = [];
  let tagsOmitted = 0;
  for (const tag of project.tags) {
    const size = tag.key.length + tag.value.length;
    if (size <= room) {
      tags.push(tag);
      room -= size;
    } else {
      tagsOmitted += 1;
    }
  }
  const fitted: ProjectInfo = { ...project, tags, attributes };
  if (tagsOmitted > 0) fitted.tagsOmitted = tagsOmitted;
  if (attributesOmitted > 0) fitted.attributesOmitted = attributesOmitted;
  if (scalars <= budget) return { org, project: fitted };

  const fields = countFields(org, ORG_FIELDS) + countFields(project, PROJECT_FIELDS);
  const share = Math.max(LIMITS.contextFieldMin, Math.floor(budget / fields));
  return {
    org: org === undefined ? undefined : cutFields(org, ORG_FIELDS, share),
    project: cutFields(fitted, PROJECT_FIELDS, share),
  };
}

function scalarLength<T extends object>(value: T | undefined, keys: readonly (keyof T)[]): number {
  if (value === undefined) return 0;
  let n = 0;
  for (const key of keys) {
    const v = value[key];
    if (typeof v === 'string') n += v.length;
  }
  return n;
}

function countFields<T extends object>(value: T | undefined, keys: readonly (keyof T)[]): number {
  if (value === undefined) return 0;
  return keys.filter((key) => typeof value[key] === 'string').length;
}

function sumLength(values: readonly string[]): number {
  return values.reduce((n, v) => n + v.length, 0);
}

function cutFields<T extends object>(value: T, keys: readonly (keyof T)[], limit: number): T {
  const out = { ...value };
  for (const key of keys) {
    const v = out[key];
    if (typeof v === 'string') out[key] = truncate(v, limit) as T[keyof T];
  }
  return out;
}
