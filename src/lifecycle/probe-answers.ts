// The answers of GET /healthz and GET /readyz, the same on the receiver's listener and on the admin listener.
import type { Context } from 'koa';

export interface ProbeSources {
  /** Liveness: false once the process cannot recover by itself and should be restarted. */
  health: () => { ok: boolean; reason?: string | undefined };
  /** Readiness: a real round trip to Redis on every connection of this process. */
  readiness: () => Promise<{
    ready: boolean;
    checks: ReadonlyArray<{ name: string; ok: boolean; detail?: string }>;
  }>;
}

/** Answers the request when it is a probe (200 or 503 with the checks as JSON); false when it is not one. */
export async function answerProbe(ctx: Context, sources: ProbeSources): Promise<boolean> {
  if (ctx.method !== 'GET') return false;
  if (ctx.path === '/healthz') {
    const health = sources.health();
    ctx.status = health.ok ? 200 : 503;
    ctx.body = health.ok ? { status: 'ok' } : { status: 'failed', reason: health.reason };
    return true;
  }
  if (ctx.path === '/readyz') {
    const { ready, checks } = await sources.readiness();
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: ready ? 'ready' : 'unavailable',
      redis: checks.every((check) => check.ok || !check.name.includes('redis')) ? 'up' : 'down',
      checks,
    };
    return true;
  }
  return false;
}
