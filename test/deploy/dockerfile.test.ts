// The container image, checked without a container engine: what deploy/docker/Dockerfile copies, runs and runs as.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adminSchema, receiverSchema } from '../../src/config/schema.js';
import {
  execForm,
  keptByDockerignore,
  parseCopy,
  parseStages,
  type Stage,
} from './dockerfile-instructions.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfilePath = 'deploy/docker/Dockerfile';
const stages = parseStages(readFileSync(join(root, dockerfilePath), 'utf8'));
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  engines: { node: string };
};
const final = stages.at(-1) as Stage;

function args(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** The stage's working directory after its instructions (WORKDIR only; enough for this file). */
function workdir(stage: Stage): string {
  return args(stage, 'WORKDIR').reduce((dir, next) => posix.resolve(dir, next), '/');
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((entry) => filesUnder(join(path, entry)));
}

/** Every file outside src/ and normalizers/ that their modules import (JSON data, for example), relative to root. */
function importedFromOutside(): string[] {
  const found = new Set<string>();
  for (const dir of ['src', 'normalizers']) {
    for (const file of filesUnder(join(root, dir)).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
        const target = relative(root, resolve(dirname(file), (match[1] ?? match[2]) as string));
        if (!/^(src|normalizers)\//.test(target)) found.add(target.split('\\').join('/'));
      }
    }
  }
  return [...found];
}

describe('deploy/docker/Dockerfile', () => {
  it('builds in stages and runs on an LTS line of Node.js that package.json accepts, on a slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const match = /^node:(\d+)(?:\.\d+)*-[a-z]+-slim$/.exec(final.image);
    expect(match, `final image ${final.image}`).not.toBeNull();
    const major = Number(match?.[1]);
    // Even major versions become LTS (https://nodejs.org/en/about/previous-releases).
    expect(major % 2).toBe(0);
    const minimum = Number(/(\d+)/.exec(pkg.engines.node)?.[1]);
    expect(major).toBeGreaterThanOrEqual(minimum);
  });

  it('copies from the build context only what exists and what .dockerignore lets into it', () => {
    const copied: string[] = [];
    for (const stage of stages) {
      for (const copy of args(stage, 'COPY').map(parseCopy)) {
        if (copy.from !== undefined) {
          // A stage named before this one.
          const names = stages.slice(0, stages.indexOf(stage)).map((s) => s.name);
          expect(names).toContain(copy.from);
          continue;
        }
        for (const source of copy.sources) {
          expect(existsSync(join(root, source)), `COPY ${source}: not in the repository`).toBe(true);
          for (const file of filesUnder(join(root, source))) {
            const path = relative(root, file).split('\\').join('/');
            expect(keptByDockerignore(dockerignore, path), `${path} is left out by .dockerignore`).toBe(true);
          }
          copied.push(source.replace(/\/$/, ''));
        }
      }
    }
    expect(copied.length).toBeGreaterThan(0);
  });

  it('keeps secrets, data and local builds out of the build context', () => {
    for (const path of [
      '.env',
      'data/webhook-secret',
      'node_modules/bullmq/package.json',
      'dist/src/cli/main.js',
      '.git/config',
    ]) {
      expect(keptByDockerignore(dockerignore, path), path).toBe(false);
    }
  });

  it('compiles everything the build needs: each directory tsconfig.build.json includes and the files they import', () => {
    const build = stages.find((stage) => args(stage, 'RUN').some((run) => /npm run build\b/.test(run)));
    expect(build, 'a stage runs `npm run build`').toBeDefined();
    const sources = args(build as Stage, 'COPY')
      .map(parseCopy)
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources.map((source) => source.replace(/\/$/, '')));
    const covered = (path: string) =>
      sources.some((source) => path === source || path.startsWith(`${source}/`));
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
      extends?: string;
      include: string[];
    };
    for (const path of [...tsconfig.include, 'tsconfig.build.json', tsconfig.extends ?? 'tsconfig.json']) {
      expect(covered(path.replace(/^\.\//, '')), `the build stage copies ${path}`).toBe(true);
    }
    for (const path of importedFromOutside()) {
      expect(covered(path), `src/ imports ${path}: the build stage must copy it`).toBe(true);
    }
  });

  it('installs only production dependencies for the image, with npm ci --omit=dev', () => {
    const modules = args(final, 'COPY')
      .map(parseCopy)
      .find((copy) => copy.sources.some((source) => source.endsWith('/node_modules')));
    expect(modules?.from).toBeDefined();
    const dependencies = stages.find((stage) => stage.name === modules?.from) as Stage;
    const install = args(dependencies, 'RUN').find((run) => /\bnpm ci\b/.test(run)) ?? '';
    expect(install).toMatch(/--omit=dev\b/);
    // Without it `prepare` would run tsc, which --omit=dev does not install.
    expect(install).toMatch(/--ignore-scripts\b/);
  });

  it("starts the package's bin with node under tini, so SIGTERM reaches the daemon alone", () => {
    const entrypoint = execForm(args(final, 'ENTRYPOINT').at(-1) ?? '');
    expect(entrypoint, 'ENTRYPOINT in exec form: the shell form would keep signals from node').toBeDefined();
    // tini forwards signals to its child; -g (the whole process group) would also stop an embedded redis-server early.
    expect(entrypoint?.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(args(final, 'RUN').some((run) => /apt-get install[^&]*\btini\b/.test(run))).toBe(true);
    const [node, script, ...rest] = entrypoint?.slice(2) ?? [];
    expect(node).toBe('node');
    expect(rest).toEqual([]);
    const bin = pkg.bin[pkg.name] as string;
    expect(script).toBe(posix.join(workdir(final), bin));
    // The bin's directory arrives from the build stage's output.
    const dist = args(final, 'COPY')
      .map(parseCopy)
      .find(
        (copy) =>
          posix.join(workdir(final), copy.destination) ===
          posix.join(workdir(final), bin.split('/')[0] as string),
      );
    expect(dist?.from).toBeDefined();
    expect(existsSync(join(root, bin.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    expect(args(final, 'STOPSIGNAL')).toEqual([]);
    expect(execForm(args(final, 'CMD').at(-1) ?? '')).toEqual(['start']);
  });

  it('runs as a user that is not root', () => {
    const user = args(final, 'USER').at(-1);
    expect(user).toBeDefined();
    const [name] = (user as string).split(':');
    expect(['root', '0']).not.toContain(name);
    // Numeric, so that Kubernetes' runAsNonRoot can verify it without the image's /etc/passwd.
    expect(name).toMatch(/^[1-9]\d*$/);
  });

  it('exposes the default ports of the receiver and the admin listener, which listens beyond loopback', () => {
    const exposed = args(final, 'EXPOSE')
      .flatMap((line) => line.split(/\s+/))
      .map((port) => Number(port));
    expect(exposed).toContain(receiverSchema.parse({}).port);
    expect(exposed).toContain(adminSchema.parse({}).port);
    expect(args(final, 'ENV').join(' ')).toMatch(/\bADMIN_HOST=0\.0\.0\.0\b/);
  });
});
