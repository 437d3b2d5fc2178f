// Guards a base path with the admin token: a bearer header, or a login form that sets an HMAC session cookie.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from 'winston';
import { createPerMinuteLog } from '../telemetry/rate-limited-log.js';

export interface AdminAuthOptions {
  /** The admin token (admin.token, ADMIN_TOKEN or the contents of admin.tokenFile); at least one character. */
  token: string;
  /** Everything at and under this path needs the token, e.g. /admin/queues. */
  basePath: string;
  logger: Logger;
  /** The clock in ms since the epoch; injectable for the session expiry. */
  now?: () => number;
}

/** The cookie that holds the session value (the name is no secret). */
export const SESSION_COOKIE = 'ssf_admin_session';
/** A login lasts 12 hours; the cookie's Max-Age and the expiry signed into its value say the same. */
export const SESSION_SECONDS = 12 * 60 * 60;
/** The login form has one field; a body larger than this is refused (413) without being kept. */
const MAX_FORM_BYTES = 4096;
/** Refused logins and bearer tokens logged per minute; the rest are counted in one summary line. */
const REFUSED_LOG_PER_MINUTE = 10;

const SESSION_LABEL = 'snyk-siem-forwarder admin session v1';
const SESSION_VALUE = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;
// RFC 6750 §2.1: `Bearer` b64token; the scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Compares a presented token with the admin token in constant time: both are reduced to HMAC-SHA256 digests first, so
 * timingSafeEqual (https://nodejs.org/api/crypto.html#cryptotimingsafeequala-b) sees equal lengths and the time taken
 * reveals neither the token's length nor how much of it matched.
 */
export function tokensEqual(presented: string, token: string): boolean {
  const digest = (value: string) => createHmac('sha256', 'ssf-admin-token-compare').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function sessionMac(token: string, expiresAt: number): Buffer {
  return createHmac('sha256', token).update(`${SESSION_LABEL} ${expiresAt}`).digest();
}

/**
 * The cookie value of a session that ends at `expiresAt` (seconds since the epoch): `v1.<expiresAt>.<MAC>`, the MAC an
 * HMAC-SHA256 keyed with the token (RFC 2104). It holds no part of the token, cannot be made without it, and every
 * session ends when the token changes.
 */
export function sessionValue(token: string, expiresAt: number): string {
  return `v1.${expiresAt}.${sessionMac(token, expiresAt).toString('base64url')}`;
}

/** Whether a cookie value is a session made with this token that has not expired at `nowSeconds`. */
export function verifySession(value: string | undefined, token: string, nowSeconds: number): boolean {
  const match = value === undefined ? null : SESSION_VALUE.exec(value);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  // Both are 32 bytes: the pattern allows exactly 43 base64url characters.
  const valid = timingSafeEqual(sessionMac(token, expiresAt), Buffer.from(match[2] as string, 'base64url'));
  return valid && expiresAt > nowSeconds;
}

/** The token of an `Authorization: Bearer` header, undefined without one, null when the header is of another form. */
export function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined || header === '') return undefined;
  return BEARER.exec(header)?.[1] ?? null;
}

function loginPage(basePath: string, message?: string): string {
  const notice = message === undefined ? '' : `<p class="error" role="alert">${message}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Queue dashboard: log in</title>
<style>
body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
body { display: flex; justify-content: center; padding-top: 15vh; }
form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15); width: 20rem; }
h1 { font-size: 1.2rem; margin: 0 0 1rem; }
label, input, button { display: block; width: 100%; box-sizing: border-box; }
input { margin: 0.4rem 0 1rem; padding: 0.5rem; font-size: 1rem; }
button { padding: 0.6rem; font-size: 1rem; cursor: pointer; }
.error { color: #b00020; margin: 0 0 1rem; }
</style>
</head>
<body>
<form method="post" action="${basePath}/login">
<h1>snyk-siem-forwarder queues</h1>
${notice}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
</body>
</html>
`;
}

/** Reads an application/x-www-form-urlencoded body; undefined when it is over MAX_FORM_BYTES (the rest is drained). */
async function readForm(req: Koa.Context['req']): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_FORM_BYTES) chunks.push(chunk);
  }
  if (size > MAX_FORM_BYTES) return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A browser that sends the session cookie with a state-changing request must send it from this origin: SameSite=Strict
 * already keeps cross-site requests cookie-less, and the Origin header (RFC 6454 §7) also rules out a sibling host of
 * the same site. Only the host is compared, so a proxy that ends TLS in front of the listener does not break it.
 */
function sameOrigin(ctx: Koa.Context): boolean {
  const origin = ctx.get('Origin');
  if (origin === '') return true;
  try {
    return new URL(origin).host === ctx.host;
  } catch {
    return false;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The middleware: requests outside `basePath` pass untouched; under it, `<basePath>/login` (GET: the form, POST: check
 * the token, set the cookie, 303 to the dashboard) and `<basePath>/logout` (clear the cookie, 303 to the form) are
 * answered here, and every other request goes on only with `Authorization: Bearer <token>` or a valid session cookie.
 * Refused requests that accept text/html are sent to the form; the rest get 401 JSON with a WWW-Authenticate challenge
 * (RFC 6750 §3).
 */
export function adminAuth(options: AdminAuthOptions): Koa.Middleware {
  const { token, basePath, logger, now = Date.now } = options;
  const loginPath = `${basePath}/login`;
  const logoutPath = `${basePath}/logout`;
  const refusedLog = createPerMinuteLog<{ reason: string; remoteAddress: string }>({
    logger,
    perMinute: REFUSED_LOG_PER_MINUTE,
    key: (entry) => entry.reason,
    keysField: 'byReason',
    summary: (suppressed) =>
      `Queue dashboard: ${suppressed} more requests with a wrong admin token were refused.`,
    write: (entry) => logger.warn('Queue dashboard: refused a wrong admin token.', entry),
  });

  // Cookie attributes (RFC 6265 §4.1.2): Path limits it to the dashboard, HttpOnly hides it from scripts, Secure
  // keeps it off plain HTTP when it was set over HTTPS; SameSite=Strict (RFC 6265bis §4.1.2.7) keeps it off
  // cross-site requests.
  const cookieOptions = (ctx: Koa.Context, maxAgeMs: number) =>
    ({
      path: basePath,
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.secure,
      maxAge: maxAgeMs,
      overwrite: true,
    }) as const;

  const showForm = (ctx: Koa.Context, status: number, message?: string) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
    ctx.type = 'html';
    ctx.body = loginPage(basePath, message);
  };

  const refuse = (ctx: Koa.Context, error: 'unauthorized' | 'invalid_token') => {
    if (ctx.get('Accept').includes('text/html') && ctx.method === 'GET') {
      ctx.status = 303;
      ctx.redirect(loginPath);
      return;
    }
    ctx.status = 401;
    ctx.set('Cache-Control', 'no-store');
    ctx.set(
      'WWW-Authenticate',
      error === 'invalid_token'
        ? 'Bearer realm="snyk-siem-forwarder admin", error="invalid_token"'
        : 'Bearer realm="snyk-siem-forwarder admin"',
    );
    ctx.body = {
      error,
      message: `Send Authorization: Bearer <admin token>, or log in at ${loginPath}.`,
    };
  };

  return async (ctx, next) => {
    if (ctx.path !== basePath && !ctx.path.startsWith(`${basePath}/`)) return next();

    if (ctx.path === loginPath) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return showForm(ctx, 200);
      if (ctx.method !== 'POST') {
        ctx.status = 405;
        ctx.set('Allow', 'GET, HEAD, POST');
        return;
      }
      if (!sameOrigin(ctx)) return showForm(ctx, 403, 'This form must be sent from the dashboard itself.');
      const form = await readForm(ctx.req);
      if (form === undefined) return showForm(ctx, 413, 'The form was too large.');
      if (!tokensEqual(form.get('token') ?? '', token)) {
        refusedLog.offer({ reason: 'login_form', remoteAddress: ctx.ip });
        return showForm(ctx, 401, 'That is not the admin token.');
      }
      const expiresAt = Math.floor(now() / 1000) + SESSION_SECONDS;
      ctx.cookies.set(
        SESSION_COOKIE,
        sessionValue(token, expiresAt),
        cookieOptions(ctx, SESSION_SECONDS * 1000),
      );
      logger.info('Queue dashboard: logged in through the form.', { remoteAddress: ctx.ip });
      ctx.status = 303;
      ctx.redirect(basePath);
      return;
    }

    if (ctx.path === logoutPath) {
      // Max-Age=0 makes the user agent drop the cookie (RFC 6265 §5.2.2).
      ctx.cookies.set(SESSION_COOKIE, '', cookieOptions(ctx, 0));
      ctx.status = 303;
      ctx.redirect(loginPath);
      return;
    }

    const bearer = bearerToken(ctx.get('Authorization') || undefined);
    if (bearer !== undefined) {
      if (bearer !== null && tokensEqual(bearer, token)) return next();
      refusedLog.offer({ reason: 'bearer', remoteAddress: ctx.ip });
      return refuse(ctx, 'invalid_token');
    }
    if (verifySession(ctx.cookies.get(SESSION_COOKIE), token, Math.floor(now() / 1000))) {
      if (!SAFE_METHODS.has(ctx.method) && !sameOrigin(ctx)) {
        ctx.status = 403;
        ctx.body = {
          error: 'forbidden',
          message: 'Cross-origin requests with the session cookie are refused.',
        };
        return;
      }
      return next();
    }
    return refuse(ctx, 'unauthorized');
  };
}
