// What a configuration reload (SIGHUP) changes: the parts applied live, and the keys that need a restart.
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/schema.js';
import type { TargetConfig } from '../targets/target-schema.js';

export interface ReloadPlan {
  /** Dotted keys whose new value only takes effect after a restart; a non-empty list means the reload is refused. */
  restartOnly: string[];
  secretsChanged: boolean;
  logLevelChanged: boolean;
  retryChanged: boolean;
  added: TargetConfig[];
  removed: TargetConfig[];
  changed: TargetConfig[];
  unchanged: TargetConfig[];
}

/** Keys that a running process applies live; every other key differing between the two configurations needs a restart. */
const LIVE_KEYS = new Set(['receiver.secrets', 'log.level', 'retry', 'targets']);

function differingKeys(before: unknown, after: unknown, path: string, out: string[]): void {
  if (LIVE_KEYS.has(path)) return;
  const bothObjects =
    before !== null &&
    after !== null &&
    typeof before === 'object' &&
    typeof after === 'object' &&
    !Array.isArray(before) &&
    !Array.isArray(after);
  if (!bothObjects) {
    if (!isDeepStrictEqual(before, after)) out.push(path);
    return;
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort()) {
    differingKeys(
      (before as Record<string, unknown>)[key],
      (after as Record<string, unknown>)[key],
      path ? `${path}.${key}` : key,
      out,
    );
  }
}

export function planReload(current: Readonly<Config>, next: Readonly<Config>): ReloadPlan {
  const restartOnly: string[] = [];
  differingKeys(current, next, '', restartOnly);
  const before = new Map(current.targets.map((target) => [target.name, target]));
  const after = new Map(next.targets.map((target) => [target.name, target]));
  const plan: ReloadPlan = {
    restartOnly,
    secretsChanged: !isDeepStrictEqual(current.receiver.secrets, next.receiver.secrets),
    logLevelChanged: current.log.level !== next.log.level,
    retryChanged: !isDeepStrictEqual(current.retry, next.retry),
    added: [],
    removed: [],
    changed: [],
    unchanged: [],
  };
  for (const [name, target] of after) {
    const old = before.get(name);
    if (!old) plan.added.push(target);
    else if (isDeepStrictEqual(old, target)) plan.unchanged.push(target);
    else plan.changed.push(target);
  }
  for (const [name, target] of before) if (!after.has(name)) plan.removed.push(target);
  return plan;
}

/** True when the reload changes nothing at all. */
export function isNoop(plan: ReloadPlan): boolean {
  return (
    plan.restartOnly.length === 0 &&
    !plan.secretsChanged &&
    !plan.logLevelChanged &&
    !plan.retryChanged &&
    plan.added.length === 0 &&
    plan.removed.length === 0 &&
    plan.changed.length === 0
  );
}
