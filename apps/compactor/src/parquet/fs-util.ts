import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Durable file-system steps. A rename is the commit point of every lake write, and a rename is only
 * durable once its directory is synced; file contents are synced before the rename so the new name
 * never points at a half-written file after a power loss. (A SIGKILL alone would not need any of
 * this: the page cache survives the process.)
 */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `fsyncPath` off the event loop (libuv's thread pool): the caller keeps filling and writing other
 * files while the disk catches up, and awaits the promise before depending on durability.
 */
export async function fsyncPathAsync(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function writeFileDurable(path: string, data: string): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}

/** Rename, creating the target's directory first. */
export function moveInto(from: string, to: string): void {
  ensureDir(dirname(to));
  renameSync(from, to);
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export function removeFile(path: string): boolean {
  try {
    rmSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function fileSize(path: string): number {
  return statSync(path).size;
}

export { existsSync };
