// dependency-cruiser rules run by `npm run lint`: no import cycles, and the layers of src/ and normalizers/ (docs/architecture.md).
// Rule and option names: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md and
// https://github.com/sverweij/dependency-cruiser/blob/main/doc/options-reference.md

/** Modules that everything may use and that use nothing of src/ but each other (and normalizers/). */
const LEAVES = '^src/(?:net/|os/|record-batch[.]ts$|errors[.]ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles, type-only imports included (tsPreCompilationDeps below): break them with a module both sides import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'normalizers-are-pure',
      severity: 'error',
      comment: 'normalizers/ is a pure library: it imports nothing from src/.',
      from: { path: '^normalizers/' },
      to: { path: '^src/' },
    },
    {
      name: 'targets-below-pipeline',
      severity: 'error',
      comment:
        'A target sends a batch; it knows nothing of the queue, the workers, the receiver, the lifecycle or the CLI.',
      from: { path: '^src/targets/' },
      to: { path: '^src/(?:workers/|queue/|receiver/|lifecycle/|cli/|daemon[.]ts$)' },
    },
    {
      name: 'receiver-knows-no-delivery',
      severity: 'error',
      comment: 'The receiver stores webhooks; delivery (workers, targets) is not its business.',
      from: { path: '^src/receiver/' },
      to: { path: '^src/(?:workers|targets)/' },
    },
    {
      name: 'snyk-api-below-commands',
      severity: 'error',
      comment:
        "src/snyk/ calls Snyk's API and reads the ping records; the CLI, the daemon and the admin listener use it, never the other way round, and it knows nothing of delivery.",
      from: { path: '^src/snyk/' },
      to: { path: '^src/(?:cli/|admin/|workers/|daemon[.]ts$)' },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment:
        'src/net/, src/record-batch.ts and src/errors.ts import nothing from src/ besides each other and normalizers/.',
      from: { path: LEAVES },
      to: { path: '^src/', pathNot: LEAVES },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Shipped code never imports test code.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'resolvable-local-imports',
      severity: 'error',
      comment:
        'Every relative import resolves to a file; otherwise the rules above would silently miss it (.js specifiers resolve to .ts).',
      from: {},
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(?:dist|coverage|node_modules)/' },
    moduleSystems: ['es6'],
    // Type-only imports count: a cycle through `import type` still couples the two modules.
    tsPreCompilationDeps: true,
    // NodeNext resolution: dependency-cruiser tries foo.ts for a missing ./foo.js, as tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    skipAnalysisNotInRules: true,
  },
};
