// Who wrote a temp file in <storageDir>/.tmp. Several processes share the storage directory (the
// front server and Next, the CLI, later several instances), so a start-up sweep may remove only
// temp files whose writer is certainly gone. Every temp name starts with its writer's tag,
// `<scope>.<pid>.<token>-`: scope says where pids mean the same process (host, pid namespace,
// boot), token is random per process start (so a restarted container whose server is pid 1
// again still tells its earlier life from itself).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

const globalForOwner = globalThis as typeof globalThis & { __fileserverTempOwner?: string };

function scope(): string {
  const read = (read: () => string) => {
    try {
      return read();
    } catch {
      return '';
    }
  };
  const facts = [
    os.hostname(),
    read(() => fs.readlinkSync('/proc/self/ns/pid')),
    read(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
  ];
  return crypto.createHash('sha256').update(facts.join('\n')).digest('hex').slice(0, 8);
}

/** This process's tag (shared by every bundle loaded in it). */
export function tempOwnerTag(): string {
  globalForOwner.__fileserverTempOwner ??= `${scope()}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  return globalForOwner.__fileserverTempOwner;
}

const TAGGED = /^([0-9a-f]{8})\.(\d+)\.([0-9a-f]{8})-/;

/**
 * 'gone' only when the writer certainly is: same scope, and its pid is not running (or is this
 * process under another token). 'unknown' otherwise (alive, another host or namespace, a name
 * from an earlier version): such files are left to the age rule.
 */
export function tempOwnerState(name: string): 'mine' | 'gone' | 'unknown' {
  const match = TAGGED.exec(name);
  if (!match) return 'unknown';
  const [, fileScope, pidText, token] = match;
  const own = tempOwnerTag();
  if (`${fileScope}.${pidText}.${token}` === own) return 'mine';
  if (fileScope !== own.split('.')[0]) return 'unknown';
  const pid = Number(pidText);
  if (pid === process.pid) return 'gone';
  try {
    process.kill(pid, 0);
    return 'unknown';
  } catch (error) {
    return (error as { code?: string }).code === 'ESRCH' ? 'gone' : 'unknown';
  }
}
