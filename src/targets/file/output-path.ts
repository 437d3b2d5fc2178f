// Checks and prepares the file target's path at build time: a regular file (or none yet) in a writable directory on a disk.
import { accessSync, constants, mkdirSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

const EXAMPLE = '/var/lib/snyk-siem-forwarder/findings.ndjson';

/**
 * Kernel pseudo-filesystems: they hold no files of ours, and some make directory creation misbehave (Node's recursive
 * mkdir loops forever below /proc/self, whose entries exist yet refuse new ones). Values are statfs(2) f_type magic
 * numbers from Linux's include/uapi/linux/magic.h.
 */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0x65735543, 'fusectl'],
  [0x6e736673, 'nsfs'],
  [0x19800202, 'mqueue'],
]);

function problem(detail: string): Error {
  return new Error(`path: ${detail}`);
}

function kind(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

/** Refuses a path whose nearest existing part is on a pseudo-filesystem (Linux only: f_type differs elsewhere). */
function checkFilesystem(existing: string, path: string): void {
  if (process.platform !== 'linux') return;
  let type: number;
  try {
    type = statfsSync(existing).type >>> 0;
  } catch {
    return;
  }
  const name = PSEUDO_FILESYSTEMS.get(type);
  if (name !== undefined) {
    throw problem(
      `${path} is on the kernel's ${name} pseudo-filesystem, which holds no regular files; ` +
        `choose a file on a disk, e.g. ${EXAMPLE}`,
    );
  }
}

function checkWritable(directory: string, path: string): void {
  try {
    // access(2) honours what stops root too: a read-only mount (EROFS) or an immutable directory (EPERM).
    accessSync(directory, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw problem(
      `${directory} is not writable (${code(error)}), so ${path} cannot be created or rotated there; ` +
        `grant the forwarder's user write access to it, or choose another directory`,
    );
  }
}

/** stat, or undefined when nothing is there (or a parent is not a directory: the caller walks up and finds out). */
function statOrNothing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
    throw problem(`cannot inspect ${path} (${code(error)}); check the path and its permissions`);
  }
}

/**
 * Resolves the configured path, refuses anything that is not a regular file (or not there yet) in a writable
 * directory on a real filesystem, and creates the missing directories one level at a time. Only stat, statfs,
 * access and mkdir: nothing here opens the path, so a FIFO cannot block it, and every loop is bounded by the
 * number of path components. Throws an Error whose message starts with "path: " and says how to fix it.
 */
export function prepareOutputPath(configured: string): string {
  const path = resolve(configured);
  const existing = statOrNothing(path);
  if (existing) {
    checkFilesystem(path, path);
    if (!existing.isFile()) {
      const hint = existing.isDirectory()
        ? `set path to a file inside it, e.g. ${resolve(path, 'findings.ndjson')}`
        : `set path to a regular file, e.g. ${EXAMPLE}`;
      throw problem(`${path} is ${kind(existing)}, not a regular file; ${hint}`);
    }
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      throw problem(
        `${path} is not writable (${code(error)}); grant the forwarder's user write access to it`,
      );
    }
    checkWritable(dirname(path), path);
    return path;
  }

  // Walk up to the nearest thing that exists; it must be a writable directory on a disk.
  const missing: string[] = [];
  let ancestor = dirname(path);
  let found = statOrNothing(ancestor);
  while (!found) {
    missing.unshift(ancestor);
    const parent = dirname(ancestor);
    if (parent === ancestor) throw problem(`no part of ${path} exists; check the path`);
    ancestor = parent;
    found = statOrNothing(ancestor);
  }
  checkFilesystem(ancestor, path);
  if (!found.isDirectory()) {
    throw problem(
      `${ancestor} is ${kind(found)}, not a directory, so ${path} cannot be created; check the path`,
    );
  }
  checkWritable(ancestor, path);
  for (const directory of missing) {
    try {
      // Owner only: findings are sensitive, and the default target lives in DATA_DIR beside the secrets.
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      if (code(error) === 'EEXIST' && statOrNothing(directory)?.isDirectory()) continue;
      throw problem(
        `cannot create the directory ${directory} (${code(error)}); create it yourself or choose another path`,
      );
    }
  }
  return path;
}
