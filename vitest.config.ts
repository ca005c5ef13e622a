import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'edge-agent/console/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real processes (MariaDB, Mosquitto, the agent); two cores here.
    maxWorkers: 2,
    globalSetup: ['testing/src/build-setup.ts', 'testing/src/global-setup.ts'],
  },
});
