/**
 * Takes a connection's socket over from ioredis once its handshake (AUTH, SELECT, CLIENT SETNAME) is
 * done, for a reader that parses the replies itself (the console, the explorer's SCAN connection).
 * ioredis has nothing in flight then; from here on the socket's data goes to `onData` only. `onLost`
 * runs once the socket is gone, at once if it already is. No `vscode` import.
 */
import type Redis from 'ioredis';

export function takeOverSocket(client: Redis, onData: (chunk: Buffer) => void, onLost: () => void): void {
  const stream = client.stream;
  stream.removeAllListeners('data');
  stream.on('data', onData);
  stream.once('close', onLost);
  // Its errors end in 'close'; without a listener ioredis would print them.
  client.on('error', () => undefined);
  if (client.status === 'end' || stream.destroyed) {
    onLost();
  }
}
