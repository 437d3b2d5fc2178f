// Reads a large project_snapshot body for the forwarded set in slices, so that the event loop never waits on one parse.
import { deltaOf, issueParts, type IssueParts, type SnapshotDelta } from './snapshot-delta.js';

/**
 * Characters scanned between two yields to the event loop. JSON.parse of a 32 MiB snapshot (the receiver's largest
 * body) blocks for 300-500 ms on a 2-core machine; scanned in slices of 256 Ki characters, each slice takes a few ms.
 */
const SLICE = 1 << 18;

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The delta of a project_snapshot body that is valid JSON (the fan-out parsed it before), without parsing it whole:
 * one pass over the characters finds the top-level `project` object and each object element of `newIssues` and
 * `removedIssues`, and only those (a few KB each) go through JSON.parse. Same result as snapshotDelta(JSON.parse(body)).
 */
export async function scanSnapshotDelta(body: string): Promise<SnapshotDelta | undefined> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let expectKey = false;
  let key: string | undefined;
  let spanStart = -1;
  let projectId: string | undefined;
  const added: Array<IssueParts | undefined> = [];
  const removed: Array<IssueParts | undefined> = [];
  for (let i = 0; i < body.length; i += 1) {
    if ((i & (SLICE - 1)) === 0 && i > 0) await yieldToLoop();
    const c = body.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) {
        inString = false;
        if (depth === 1 && expectKey) {
          key = JSON.parse(body.slice(stringStart, i + 1)) as string;
          expectKey = false;
        }
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      stringStart = i;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      // The project object at depth 1; an issue object at depth 2, inside newIssues or removedIssues.
      if (c === OPEN_OBJECT && depth === 1 && key === 'project') spanStart = i;
      else if (c === OPEN_OBJECT && depth === 2 && (key === 'newIssues' || key === 'removedIssues'))
        spanStart = i;
      depth += 1;
      if (depth === 1) expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth -= 1;
      if (spanStart >= 0 && depth === 1 && key === 'project') {
        const project = JSON.parse(body.slice(spanStart, i + 1)) as { id?: unknown };
        projectId = typeof project.id === 'string' && project.id !== '' ? project.id : undefined;
        spanStart = -1;
      } else if (spanStart >= 0 && depth === 2 && (key === 'newIssues' || key === 'removedIssues')) {
        (key === 'newIssues' ? added : removed).push(issueParts(JSON.parse(body.slice(spanStart, i + 1))));
        spanStart = -1;
      }
    } else if (c === COMMA && depth === 1) {
      expectKey = true;
    }
  }
  return projectId === undefined ? undefined : deltaOf(projectId, added, removed);
}
