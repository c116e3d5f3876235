import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StateDirLockedError } from '../../errors.js';

/**
 * The application's directory under stateDir, locked by a pid file so that two live processes never
 * share SQLite files. A lock left by a killed process (pid gone) is taken over.
 */
export class StateDirectory {
  readonly root: string;
  private readonly lockPath: string;
  private locked = false;

  constructor(stateDir: string, applicationId: string) {
    this.root = join(stateDir, applicationId);
    this.lockPath = join(this.root, '.lock');
  }

  lock(): void {
    mkdirSync(this.root, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(readFileSync(this.lockPath, 'utf8').trim());
        if (owner && owner !== process.pid && alive(owner)) throw new StateDirLockedError(this.root, owner);
        rmSync(this.lockPath, { force: true });
      }
    }
    throw new StateDirLockedError(this.root, -1);
  }

  unlock(): void {
    if (!this.locked) return;
    rmSync(this.lockPath, { force: true });
    this.locked = false;
  }

  storePath(taskId: string, store: string): string {
    return join(this.root, taskId, `${store}.sqlite`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
