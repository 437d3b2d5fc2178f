// Classifies file-system errors: a full disk or a transient I/O error can pass; a bad path or permission cannot.
import { permanent, retryable, type SendError } from '../../errors.js';

const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENAMETOOLONG']);

export function classifyFileError(error: unknown, path: string): SendError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const message = `writing ${path} failed: ${code}`;
  return PERMANENT_CODES.has(code)
    ? permanent('io_error', message, error)
    : retryable('io_error', message, error);
}
