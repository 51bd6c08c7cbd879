import { existsSync, readFileSync, writeFileSync } from 'fs';
import { parsePortLock, PortLock, serializePortLock, updatePortLock } from './port-lock';
import { problem, Problem } from '../model/problem';

// The port lock file on disk: read once per model, written back when the App allocates other
// ports (or, frozen, reported as stale). Its problems are the registry's: no policy owns the file.

/** The port lock file as read at the start of a synthesis. */
export interface PortLockState {
  readonly file: string;
  /** Its text as on disk (kept current as it is rewritten). */
  text?: string;
  readonly previous?: PortLock;
  /** Why it cannot be read. */
  readonly problem?: Problem;
}

/** The lock file named by the settings, if any. */
export function readPortLock(file: string | undefined): PortLockState | undefined {
  if (!file) return undefined;
  if (!existsSync(file)) return { file };
  const text = readFileSync(file, 'utf8');
  try {
    return { file, text, previous: parsePortLock(text, file) };
  } catch (e) {
    return { file, text, problem: problem('PORT_LOCK_INVALID', ['portLockFile'], (e as Error).message) };
  }
}

/** The text that records the App's allocated ports, when the file holds another. */
export function portLockUpdate(lock: PortLockState, allocated: Record<string, Record<string, number>>): string | undefined {
  const text = serializePortLock(updatePortLock(lock.previous, allocated));
  return text === lock.text ? undefined : text;
}

/** A frozen lock that the App's ports no longer match. */
export function stalePortLock(lock: PortLockState): Problem {
  const fix = 'synthesise without portLockFrozen and commit the updated file';
  return problem('PORT_LOCK_STALE', ['portLockFile'], `${lock.file} does not record the ports this App allocates`, { fix: { constructs: fix, manifest: fix } });
}

/** Records the App's allocated ports in the lock file. */
export function writePortLock(lock: PortLockState, text: string): void {
  writeFileSync(lock.file, text);
  lock.text = text;
}
