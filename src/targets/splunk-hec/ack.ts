// Polls Splunk's /services/collector/ack until an ackId is indexed, bounded by ack.timeoutMs.
import type http from 'node:http';
import { permanent, retryable, type SendError } from '../../errors.js';
import { classifySocketError } from '../shared/classify-socket.js';
import { httpRequest } from '../shared/http-request.js';
import { ackStatus, classifyHecResponse } from './classify.js';
import { frameAckQuery } from './frame.js';

export interface AckPollOptions {
  ackUrl: URL;
  agent: http.Agent;
  headers: Record<string, string>;
  pollIntervalMs: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  what: string;
  /** Redacted from response excerpts. */
  secrets: readonly string[];
}

/** Resolves after `ms`, or rejects when the signal fires; the timer never outlives the wait. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(retryable('target_closed', 'ack polling aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(retryable('target_closed', 'ack polling aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits until Splunk reports `true` for the ackId. A `true` is reported once and then forgotten, so the first true
 * ends the wait. Retryable poll failures (busy, network) keep polling until the deadline; permanent ones (ack
 * disabled, code 14; invalid channel, code 11) end it. At the deadline the job fails retryably: unacknowledged events
 * are resent, as Splunk's documentation prescribes, so duplicates are possible:
 * https://help.splunk.com/splunk-enterprise/get-data-in/collect-http-event-data/about-http-event-collector-indexer-acknowledgment
 */
export async function waitForAck(ackId: number, options: AckPollOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastProblem: SendError | undefined;
  const body = frameAckQuery([ackId]);
  const maxPolls = Math.ceil(options.timeoutMs / options.pollIntervalMs) + 1;
  for (let poll = 0; poll < maxPolls; poll += 1) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    await pause(Math.min(options.pollIntervalMs, left), options.signal);
    try {
      const response = await httpRequest({
        url: options.ackUrl,
        agent: options.agent,
        headers: options.headers,
        body,
        timeoutMs: Math.max(100, Math.min(options.requestTimeoutMs, deadline - Date.now())),
        signal: options.signal,
      });
      const error = classifyHecResponse(response, `${options.what} ack poll`, options.secrets);
      if (error && !error.retryable) throw error;
      if (error) {
        lastProblem = error;
        continue;
      }
      const indexed = ackStatus(response.body, ackId);
      if (indexed === undefined) {
        throw permanent('http_permanent_status', `${options.what}: ack poll answer is not {"acks":{…}}`);
      }
      if (indexed) return;
    } catch (error) {
      const problem = classifySocketError(error, `${options.what} ack poll`);
      if (!problem.retryable || problem.code === 'target_closed') throw problem;
      lastProblem = problem;
    }
  }
  const why = lastProblem ? ` (last problem: ${lastProblem.message})` : '';
  throw retryable(
    'timeout',
    `${options.what}: indexer acknowledgement ${ackId} not confirmed within ${options.timeoutMs} ms${why}; events will be resent`,
  );
}
