/**
 * Bytes on the wire: what this worker's Redis connections really sent and received (the sockets'
 * own counters, so RESP framing, keys and ids are counted, not only the loss payload). A reconnect
 * opens a new socket; each socket's bytes are counted once.
 */
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

export class WireMeter {
  private readonly seen = new WeakMap<Socket, { read: number; written: number }>();
  private sentTotal = 0;
  private receivedTotal = 0;

  constructor(private readonly clients: Redis[]) {}

  /** Bytes sent and received so far on all the clients' sockets. */
  sample(): { sent: number; received: number } {
    for (const client of this.clients) {
      const socket = (client as unknown as { stream?: Socket }).stream;
      if (!socket) continue;
      const last = this.seen.get(socket) ?? { read: 0, written: 0 };
      this.sentTotal += socket.bytesWritten - last.written;
      this.receivedTotal += socket.bytesRead - last.read;
      this.seen.set(socket, { read: socket.bytesRead, written: socket.bytesWritten });
    }
    return { sent: this.sentTotal, received: this.receivedTotal };
  }
}
