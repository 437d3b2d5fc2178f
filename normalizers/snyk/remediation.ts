// Indexes project.remediation by issue id, so that each finding names the upgrade, pin or patch that fixes it.
import { contextBudget } from '../context-budget.js';
import { LIMITS } from '../limits.js';
import { asObject, asString, readList, type ReadList } from './lenient.js';

// Shape (the `remediation` object of a Snyk test result; Snyk's payload docs show it on the project, empty, as
// `{upgrade: {}, patch: {}, pin: {}}`; filled entries as github.com/snyk/node-remediation README shows them):
//   upgrade: { "a@1.0.0": { upgradeTo: "a@1.2.0", upgrades: ["b@0.4.9"], vulns: ["<issue id>", …] } }
//   pin:     { "b@0.4.9": { upgradeTo: "b@0.6.0", vulns: ["<issue id>", …], isTransitive: true } }
//   patch:   { "<issue id>": { paths: […] } }
// Anything else (another kind, an entry that is not an object, ids that are not strings) is skipped: the block is
// optional, and a malformed one never rejects the payload.

/** The remediation steps that name each issue id, as text: `upgrade a@1.0.0 to a@1.2.0`, `pin b@0.4.9 to b@0.6.0`, `patch`. */
export type RemediationSteps = ReadonlyMap<string, readonly string[]>;

/** The steps of one snapshot, and how many characters of them one finding may carry. */
export interface RemediationIndex {
  steps: RemediationSteps;
  charsPerFinding: number;
}

const STEP_KINDS = ['upgrade', 'pin'] as const;

/** The steps by issue id, or undefined when the project has no remediation entry naming any issue. */
export function remediationSteps(value: unknown): RemediationSteps | undefined {
  const remediation = asObject(value);
  if (remediation === undefined) return undefined;
  const index = new Map<string, string[]>();
  const add = (id: unknown, step: string): void => {
    if (typeof id !== 'string' || id === '') return;
    const steps = index.get(id);
    if (steps === undefined) index.set(id, [step]);
    else steps.push(step);
  };
  // One pass over the entries and their id lists: linear in the size of the block, whatever the number of issues.
  for (const kind of STEP_KINDS) {
    const entries = asObject(remediation[kind]) ?? {};
    for (const from of Object.keys(entries)) {
      const entry = asObject(entries[from]);
      const vulns = entry?.['vulns'];
      if (!Array.isArray(vulns)) continue;
      const to = asString(entry?.['upgradeTo']);
      const step = to === undefined ? `${kind} ${from}` : `${kind} ${from} to ${to}`;
      for (const id of vulns as unknown[]) add(id, step);
    }
  }
  for (const id of Object.keys(asObject(remediation['patch']) ?? {})) add(id, 'patch');
  return index.size === 0 ? undefined : index;
}

/**
 * The index for a snapshot of `issues` issue entries. One project-level block can name every issue of the snapshot,
 * so, like the org and project fields that every record repeats, what a finding takes of it is bounded per
 * delivery (context-budget.ts): a few KB per finding, where a real issue has a handful of 50-character steps.
 */
export function remediationIndex(
  steps: RemediationSteps | undefined,
  issues: number,
): RemediationIndex | undefined {
  if (steps === undefined) return undefined;
  const records = Math.min(issues, 2 * LIMITS.issuesPerList) + 1;
  return { steps, charsPerFinding: contextBudget(records) };
}

/** The distinct steps naming `id` that fit the finding's share, in order; the rest are counted in `omitted`. */
export function stepsFor(index: RemediationIndex | undefined, id: string): ReadList {
  const all = readList(index?.steps.get(id));
  if (index === undefined) return all;
  let room = index.charsPerFinding;
  const items: string[] = [];
  let omitted = all.omitted;
  for (const step of all.items) {
    if (step.length <= room) {
      items.push(step);
      room -= step.length;
    } else {
      omitted += 1;
    }
  }
  return { items, omitted };
}
