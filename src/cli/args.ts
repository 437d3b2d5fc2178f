// Command-line parsing shared by every command: node:util parseArgs with --help everywhere.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The configuration file a command was asked to use: `--config FILE` or one positional FILE, both allowed when they
 * name the same file. Anything else is refused rather than guessed, so a command never checks or runs a
 * configuration other than the one on its command line.
 */
export function configFileArgument(
  option: string | undefined,
  positionals: readonly string[],
  cwd = process.cwd(),
): string | undefined {
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one configuration file, got ${positionals.length} (${positionals.join(' ')}); give one FILE or --config FILE`,
    );
  }
  const [positional] = positionals;
  if (option === '' || positional === '') throw new UsageError('the configuration file name is empty');
  if (positional !== undefined && option !== undefined && resolve(cwd, positional) !== resolve(cwd, option)) {
    throw new UsageError(
      `two different configuration files: ${positional} and --config ${option}; give only one of them`,
    );
  }
  return positional ?? option;
}
