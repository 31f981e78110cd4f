import { defineConfig } from 'vitest/config'

// End-to-end tests: the real binary (../bin/fechatter, or $FECHATTER_BIN) driven through
// Debian's Chromium with playwright-core (see the README, "Tests").
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
