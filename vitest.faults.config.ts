// Vitest configuration of the fault suite (npm run test:faults): real processes killed, frozen and restarted.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.test.ts'],
    pool: 'forks',
    // The scenarios mostly wait (lock expiry, outages, restarts), so two files at a time fit two CPUs.
    maxWorkers: 2,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // build-cli.ts builds dist/, which the harness spawns (test/helpers/cli.ts) as the forwarder under test.
    globalSetup: ['test/helpers/build-cli.ts', 'test/faults/harness/global-setup.ts'],
    reporters: ['default', './test/reporters/summary.ts'],
  },
});
