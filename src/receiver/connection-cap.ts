// Caps the receiver's open connections: past the cap the connection idle the longest is closed to make room.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type ShedReason = 'idle' | 'refused';

export interface ConnectionCapOptions {
  max: number;
  /** Called for every connection closed by the cap, once it is closed, with the peer it was from. */
  onShed: (reason: ShedReason, remoteAddress: string | undefined) => void;
}

export interface ConnectionCap {
  /** Connections open right now. */
  open(): number;
}

interface Tracked {
  /** Requests on this connection whose answer is not finished yet. */
  inFlight: number;
}

/**
 * Every connection costs a file descriptor, and one that never sends a request costs nothing else, so idle connections
 * are what an attacker can hold cheaply. When a new connection would pass `max`, the connection that has been idle the
 * longest (no request in flight: never sent one, or waiting on keep-alive) is closed; only when every connection has
 * a request in flight is the new one closed instead. A closed idle connection loses nothing: a client must be ready
 * for a server to close an idle connection at any time (RFC 9112 §9.6). A connection still sending its header block
 * counts as idle too, so a slow header sender cannot hold its slot against a real request.
 */
export function capConnections(server: Server, options: ConnectionCapOptions): ConnectionCap {
  // A Map iterates in insertion order: a connection is re-inserted whenever it becomes idle, so the first idle entry
  // is the one idle the longest.
  const connections = new Map<Socket, Tracked>();

  server.on('connection', (socket: Socket) => {
    connections.set(socket, { inFlight: 0 });
    socket.once('close', () => connections.delete(socket));
    if (connections.size <= options.max) return;
    let victim: Socket = socket;
    let reason: ShedReason = 'refused';
    for (const [candidate, tracked] of connections) {
      if (candidate !== socket && tracked.inFlight === 0) {
        victim = candidate;
        reason = 'idle';
        break;
      }
    }
    const remoteAddress = victim.remoteAddress;
    connections.delete(victim);
    victim.destroy();
    options.onShed(reason, remoteAddress);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const tracked = connections.get(socket);
    if (!tracked) return;
    tracked.inFlight += 1;
    res.once('close', () => {
      tracked.inFlight -= 1;
      if (tracked.inFlight === 0 && connections.has(socket)) {
        connections.delete(socket);
        connections.set(socket, tracked);
      }
    });
  });

  return { open: () => connections.size };
}
