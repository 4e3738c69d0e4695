/**
 * The real file system under the file store (`storage/file-store.ts`): the
 * {@link FileSystem} calls over node:fs, synchronous. Files and directories
 * are created readable by their owner only (issue 16: data was world-readable).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from "node:fs";
import type { FileHandle, FileSystem } from "../storage/file-system.js";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** node:fs as a {@link FileSystem}. Every call throws node's error (ENOENT, EIO, ENOSPC...) on failure. */
export class NodeFileSystem implements FileSystem {
  exists(path: string): boolean {
    return existsSync(path);
  }

  mkdir(path: string): void {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
  }

  readFile(path: string): Uint8Array {
    return new Uint8Array(readFileSync(path));
  }

  openAppend(path: string): FileHandle {
    return openSync(path, "a+", FILE_MODE);
  }

  openTruncate(path: string): FileHandle {
    return openSync(path, "w", FILE_MODE);
  }

  append(handle: FileHandle, bytes: Uint8Array): void {
    let written = 0;
    while (written < bytes.length) written += writeSync(handle, bytes, written, bytes.length - written);
  }

  readAt(handle: FileHandle, position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let read = 0;
    while (read < length) {
      const n = readSync(handle, out, read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    return read === length ? out : out.slice(0, read);
  }

  truncate(handle: FileHandle, length: number): void {
    ftruncateSync(handle, length);
  }

  fsync(handle: FileHandle): void {
    fsyncSync(handle);
  }

  close(handle: FileHandle): void {
    closeSync(handle);
  }

  rename(from: string, to: string): void {
    renameSync(from, to);
  }

  unlink(path: string): void {
    unlinkSync(path);
  }

  fsyncDirectory(path: string): void {
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
