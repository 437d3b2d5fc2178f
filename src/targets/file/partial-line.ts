// Repairs the end of the output file before an append: bytes after the last LF are a line that an append left unfinished.
import type { FileHandle } from 'node:fs/promises';

/** Read size while looking back for the last LF; a partial line may be many MiB long (one record's body). */
const CHUNK_BYTES = 1024 * 1024;
const LF = 0x0a;

export interface Repair {
  /** Bytes of the partial line. */
  bytes: number;
  /**
   * `truncated`: the partial line was cut off. `terminated`: the file refuses truncation (append-only, chattr +a),
   * so an LF was appended instead; the partial line stays as one unparseable line, but no record is glued to it.
   */
  how: 'truncated' | 'terminated';
}

async function readExactly(handle: FileHandle, buffer: Buffer, length: number, position: number) {
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) {
    throw Object.assign(new Error(`short read: ${bytesRead} of ${length} bytes at ${position}`), {
      code: 'EIO',
    });
  }
  return buffer.subarray(0, length);
}

/**
 * The offset just past the last LF of a file of `size` bytes, or 0 when it has none, read backwards one chunk at a
 * time: at most ceil(size / CHUNK_BYTES) reads.
 */
export async function endOfLastLine(handle: FileHandle, size: number): Promise<number> {
  if (size === 0) return 0;
  const last = await readExactly(handle, Buffer.alloc(1), 1, size - 1);
  if (last[0] === LF) return size;
  const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, size));
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - buffer.length);
    const chunk = await readExactly(handle, buffer, end - start, start);
    const at = chunk.lastIndexOf(LF);
    if (at !== -1) return start + at + 1;
    end = start;
  }
  return 0;
}

/**
 * Makes the file end at a line boundary, so the next append starts on its own line. The handle must be open for
 * reading and appending ('a+') and the caller must be the only writer meanwhile (see append-lock.ts). A partial
 * last line comes from an append that did not finish (a kill -9 between two write(2) calls, a full disk): its job
 * did not complete and writes those records again, so cutting them off loses nothing. Answers undefined when the
 * file already ends at a line boundary.
 */
export async function repairPartialLastLine(handle: FileHandle): Promise<Repair | undefined> {
  const size = (await handle.stat()).size;
  const end = await endOfLastLine(handle, size);
  if (end === size) return undefined;
  try {
    await handle.truncate(end);
    return { bytes: size - end, how: 'truncated' };
  } catch (error) {
    // ftruncate(2) fails with EPERM on an append-only file; appending still works there.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    await handle.appendFile('\n');
    return { bytes: size - end, how: 'terminated' };
  }
}
