// Classifies a generic collector's answer: the shared HTTP rules with the target's retryOn list.
import type { SendError } from '../../errors.js';
import type { HttpResponse } from '../shared/http-request.js';
import { classifyHttpStatus } from '../shared/classify-http.js';
import { responseExcerpt } from '../shared/http-body.js';

export function classifyCollectorResponse(
  response: HttpResponse,
  retryOn: (status: number) => boolean,
  what: string,
  secrets: readonly string[] = [],
): SendError | undefined {
  return classifyHttpStatus(response.status, response.headers, {
    retryOn,
    what,
    detail: responseExcerpt(response.body, secrets),
  });
}
