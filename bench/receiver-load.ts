// One autocannon run against a webhook receiver: signed, distinct deliveries over N keep-alive connections.
import autocannon from 'autocannon';
import { deliveryHeaders, signedBodies, type Payload } from './payloads.js';
import { round, withinLimit } from './phase.js';

export interface ReceiverLoad {
  connections: number;
  /** Requests answered 2xx per second, from the first request sent to the last answer. */
  requestsPerSecond: number;
  /** Latency of the 2xx answers (autocannon records no other), in ms. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  ok: number;
  /** Answers other than 2xx (e.g. 503 when the receiver sheds load), and requests that got no answer. */
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  payload: Payload;
  secret: string;
  connections: number;
  /** The run stops after this many seconds, or once every one of the `bodies` distinct bodies was sent. */
  seconds: number;
  bodies: number;
}

/**
 * Sends each of `bodies` pre-signed distinct copies of the payload at most once (autocannon's `amount`), and stops
 * after `seconds`: a repeated body would be a duplicate delivery to the forwarder, which stores nothing new for it.
 */
export async function loadReceiver(options: LoadOptions): Promise<ReceiverLoad> {
  const pool = signedBodies(options.payload, Math.max(options.bodies, options.connections), options.secret);
  let next = 0;
  const result = await withinLimit(
    `autocannon on ${options.url}`,
    (options.seconds + 40) * 1000,
    () =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: options.url,
            method: 'POST',
            connections: options.connections,
            amount: pool.length,
            timeout: 30,
            requests: [
              {
                method: 'POST',
                setupRequest: (request) => {
                  const signed = pool[next % pool.length];
                  next += 1;
                  if (signed === undefined) return request;
                  return {
                    ...request,
                    headers: deliveryHeaders(options.payload, signed),
                    body: signed.body,
                  };
                },
              },
            ],
          },
          (error, done) => (error ? reject(error as Error) : resolve(done)),
        );
        const timer = setTimeout(() => instance.stop(), options.seconds * 1000);
        instance.on('done', () => clearTimeout(timer));
      }),
  );
  const seconds = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000;
  const statusCodes: Record<string, number> = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]),
  );
  return {
    connections: options.connections,
    requestsPerSecond: Math.round(result['2xx'] / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: round(seconds, 2),
    statusCodes,
  };
}
