// Command-line parsing: --help on every command, unknown options refused as usage errors, one configuration file.
import { describe, expect, it } from 'vitest';
import { configFileArgument, parse, UsageError } from '../../src/cli/args.js';

describe('parse', () => {
  it('adds --help and -h to every command and keeps positionals', () => {
    const parsed = parse(['-h', 'list', '--target', 'siem'], { target: { type: 'string' } });
    expect(parsed.values).toEqual({ help: true, target: 'siem' });
    expect(parsed.positionals).toEqual(['list']);
  });

  it('refuses an unknown option or a missing value as a UsageError naming the option', () => {
    expect(() => parse(['--tagret', 'siem'], { target: { type: 'string' } })).toThrow(UsageError);
    expect(() => parse(['--tagret', 'siem'], { target: { type: 'string' } })).toThrow(/--tagret/);
    expect(() => parse(['--target'], { target: { type: 'string' } })).toThrow(/--target/);
  });
});

describe('configFileArgument', () => {
  it('takes FILE or --config FILE, or both when they name the same file', () => {
    expect(configFileArgument(undefined, ['a.yaml'])).toBe('a.yaml');
    expect(configFileArgument('b.yaml', [])).toBe('b.yaml');
    expect(configFileArgument('./conf/a.yaml', ['conf/a.yaml'], '/etc/fwd')).toBe('conf/a.yaml');
    expect(configFileArgument(undefined, [])).toBeUndefined();
  });

  it('refuses two files, two different files, or an empty name, rather than guessing', () => {
    expect(() => configFileArgument(undefined, ['a.yaml', 'b.yaml'])).toThrow(
      'expected one configuration file, got 2 (a.yaml b.yaml); give one FILE or --config FILE',
    );
    expect(() => configFileArgument('b.yaml', ['a.yaml'], '/etc/fwd')).toThrow(
      'two different configuration files: a.yaml and --config b.yaml; give only one of them',
    );
    expect(() => configFileArgument('', [])).toThrow('the configuration file name is empty');
    expect(() => configFileArgument(undefined, [''])).toThrow(UsageError);
  });
});
