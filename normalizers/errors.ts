// PayloadError: the payload cannot be understood; the ingest job fails permanently and keeps the raw body.

/** Thrown by normalize(); the message says what was wrong and where (a JSON path such as `newIssues[3].issueData.severity`). */
export class PayloadError extends Error {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`Invalid Snyk payload at ${path === '' ? '(root)' : path}: ${problem}`);
    this.name = 'PayloadError';
    this.path = path;
  }
}
