/**
 * What `activate()` returns: a read-only window on the extension's state for the integration tests
 * (and for other extensions that want to know whether NOVA's cache is reachable).
 */
import type { ConnectionState } from './connection/connectionManager';

export interface NovaApi {
  connectionState(): ConnectionState;
}
