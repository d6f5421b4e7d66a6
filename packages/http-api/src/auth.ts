import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './errors.js';

export const TOKEN_COOKIE = 'condo_api_token';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison (digests first, so lengths never leak either). */
function sameToken(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function unauthorized(res: Response): ApiError {
  res.set('WWW-Authenticate', 'Bearer realm="condo"');
  return new ApiError('ERR_CONDO_API_UNAUTHORIZED', 'a valid API token is required', {
    hint: 'send "Authorization: Bearer <token>", or open /ui?token=<token> once in a browser',
  });
}

/**
 * Requires the token on every route but `/healthz`, as a bearer header or as the cookie that
 * `/ui?token=T` sets (HttpOnly, SameSite=Strict, so the UI's `EventSource` works without exposing
 * the token to scripts). `/ui?token=T` then redirects to `/ui`, keeping the token out of history.
 */
export function requireToken(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === '/healthz') return next();

    const header = req.get('authorization');
    if (header !== undefined) {
      // Node strips whitespace around header values, so the token ends the header.
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (match?.[1] !== undefined && sameToken(match[1], expected)) return next();
      return next(unauthorized(res));
    }

    if (req.path === '/ui' && typeof req.query.token === 'string') {
      if (!sameToken(req.query.token, expected)) return next(unauthorized(res));
      res.cookie(TOKEN_COOKIE, req.query.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: '/',
      });
      res.redirect(303, 'ui');
      return;
    }

    const cookie = cookieValue(req.get('cookie'), TOKEN_COOKIE);
    if (cookie !== undefined && sameToken(cookie, expected)) return next();
    next(unauthorized(res));
  };
}
