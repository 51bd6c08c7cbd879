import { existsSync, readFileSync, writeFileSync } from 'fs';
import { parsePortLock, PortLock, serializePortLock, updatePortLock } from './port-lock';

// The port lock file on disk: read once per model, written back when the App allocates other
// ports (or, frozen, reported as stale).

/** The port lock file as read at the start of a synthesis. */
export interface PortLockState {
  readonly file: string;
  /** Its text as on disk (kept current as it is rewritten). */
  text?: string;
  readonly previous?: PortLock;
  /** Why it cannot be read, as cdk8s validation reports it. */
  readonly error?: string;
}

/** The lock file named by the settings, if any. */
export function readPortLock(file: string | undefined): PortLockState | undefined {
  if (!file) return undefined;
  if (!existsSync(file)) return { file };
  const text = readFileSync(file, 'utf8');
  try {
    return { file, text, previous: parsePortLock(text, file) };
  } catch (e) {
    return { file, text, error: `portLockFile: ${(e as Error).message}` };
  }
}

/**
 * Records the App's allocated ports in the lock file. Returns why it cannot, when the lock is
 * frozen and stale.
 */
export function writePortLock(lock: PortLockState, allocated: Record<string, Record<string, number>>, frozen: boolean): string | undefined {
  const text = serializePortLock(updatePortLock(lock.previous, allocated));
  if (text === lock.text) return undefined;
  if (frozen) {
    return `portLockFile: ${lock.file} does not record the ports this App allocates; synthesise without portLockFrozen and commit the updated file`;
  }
  writeFileSync(lock.file, text);
  lock.text = text;
  return undefined;
}
