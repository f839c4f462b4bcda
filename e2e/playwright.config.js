// Playwright drives Debian's Chromium (never a downloaded browser) against the real kindling binary,
// started on a fresh demo database for each run.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

const port = Number(process.env.KINDLING_E2E_PORT || 18080);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-e2e-'));
const binary = process.env.KINDLING_BIN || path.join(__dirname, '..', 'target', 'debug', 'kindling');

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
  },
  webServer: {
    command: `"${binary}" serve --demo --data-dir "${dataDir}" --bind 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    env: { KINDLING_DEMO_PASSWORD: 'e2e-demo-password', RUST_LOG: 'warn' },
  },
});
