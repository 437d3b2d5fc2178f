// Reads a Dockerfile into stages and instructions, and evaluates a .dockerignore, for the static image checks.
//
// The grammar is the Dockerfile reference's (https://docs.docker.com/reference/dockerfile/): `#` comment lines, a
// trailing `\` continues an instruction, exec form is a JSON array; ARGs before the first FROM are visible in FROM.
// A .dockerignore excludes a path when the last pattern matching it or one of its parents is not a `!` exception
// (https://docs.docker.com/build/concepts/context/#dockerignore-files), with Go filepath.Match wildcards plus `**`.

export interface Instruction {
  keyword: string;
  /** The arguments, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The image after FROM, with the global ARG defaults substituted. */
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines are dropped, also inside a continued instruction; parser directives are comments here.
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending
      ? { text: `${pending.text} ${part}`, line: pending.line }
      : { text: part, line: index + 1 };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text.trim());
    if (match) {
      instructions.push({
        keyword: (match[1] as string).toUpperCase(),
        args: (match[2] as string).trim(),
        line: pending.line,
      });
    }
    pending = undefined;
  });
  return instructions;
}

/** The JSON array of an exec-form instruction (ENTRYPOINT, CMD, RUN), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}

function substitute(value: string, variables: ReadonlyMap<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced, bare) => {
      const name = (braced ?? bare) as string;
      return variables.get(name) ?? match;
    },
  );
}

export function parseStages(text: string): Stage[] {
  const globals = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = instruction.args.split('=', 2) as [string, string | undefined];
      if (value !== undefined) globals.set(name.trim(), value.trim());
      continue;
    }
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({
        image: substitute(image ?? '', globals),
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
      continue;
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}

/** A COPY's --from stage, sources and destination (flags such as --chown and --link are left out). */
export function parseCopy(args: string): Copy {
  const tokens = execForm(args) ?? args.split(/\s+/);
  let from: string | undefined;
  const paths: string[] = [];
  for (const token of tokens) {
    if (token.startsWith('--from=')) from = token.slice('--from='.length);
    else if (!token.startsWith('--')) paths.push(token);
  }
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether a .dockerignore keeps `path` (relative to the build context, `/`-separated) in the context. */
export function keptByDockerignore(ignoreText: string, path: string): boolean {
  const patterns = ignoreText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const body = (exception ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      return { exception, pattern: globToRegExp(body) };
    });
  const parts = path.split('/');
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let kept = true;
  for (const { exception, pattern } of patterns) {
    if (prefixes.some((prefix) => pattern.test(prefix))) kept = exception;
  }
  return kept;
}
