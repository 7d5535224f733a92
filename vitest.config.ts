import { defineConfig } from 'vitest/config';

// Tests that open a store run twice: on SQLite and on PostgreSQL (a real server started once per run by
// test/postgres-server.ts). The rest run once. test/store/databases.ts gives each test its database.
const onBothStores = [
  'test/dashboard/page.test.ts',
  'test/delivery/cli.test.ts',
  'test/delivery/crash.test.ts',
  'test/delivery/dkim.test.ts',
  'test/delivery/editions-cli.test.ts',
  'test/delivery/sections.test.ts',
  'test/delivery/send.test.ts',
  'test/inbound/e2e.test.ts',
  'test/jobs/run-thread.test.ts',
  'test/schedule/daemon.test.ts',
  'test/schedule/editions.test.ts',
  'test/schedule/scheduler.test.ts',
  'test/server/consent.test.ts',
  'test/server/preferences.test.ts',
  'test/store/lease.test.ts',
  'test/subscribers/choices-cli.test.ts',
];
const postgresOnly = ['test/store/postgres.test.ts', 'test/store/copy.test.ts', 'test/jobs/fleet.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: postgresOnly, provide: { storeKind: 'sqlite' } },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...onBothStores, ...postgresOnly],
          globalSetup: ['test/postgres-server.ts'],
          provide: { storeKind: 'postgres' },
        },
      },
    ],
  },
});
