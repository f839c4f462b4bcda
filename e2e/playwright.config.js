// Playwright drives Debian's Chromium (never a downloaded browser) against the real kindling binary:
// - the demo hub (port 18080), fresh for each run, for the product journeys;
// - an empty installation (18081) writing its email to a folder, for going live from nothing;
// - an installation signing in through a real OpenID provider (18082, with oidc-provider on 18090).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

// One folder per run, shared by the runner (which starts the servers) and the test workers (which read
// the email), through the environment the workers inherit.
process.env.KINDLING_E2E_RUN ||= fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-e2e-'));
const run = process.env.KINDLING_E2E_RUN;
const port = Number(process.env.KINDLING_E2E_PORT || 18080);
const binary = process.env.KINDLING_BIN || path.join(__dirname, '..', 'target', 'debug', 'kindling');
const live = { port: port + 1, dataDir: path.join(run, 'live'), mailDir: path.join(run, 'live-mail') };
const sso = { port: port + 2, dataDir: path.join(run, 'sso'), providerPort: port + 10 };
process.env.KINDLING_E2E_LIVE_URL = `http://127.0.0.1:${live.port}`;
process.env.KINDLING_E2E_LIVE_DATA = live.dataDir;
process.env.KINDLING_E2E_LIVE_MAIL = live.mailDir;
process.env.KINDLING_E2E_SSO_URL = `http://127.0.0.1:${sso.port}`;
process.env.KINDLING_E2E_BIN = binary;

const chromium = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
};

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: { baseURL: `http://127.0.0.1:${port}`, launchOptions: chromium },
  webServer: [
    {
      command: `"${binary}" serve --demo --data-dir "${path.join(run, 'demo')}" --bind 127.0.0.1:${port}`,
      url: `http://127.0.0.1:${port}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      env: { KINDLING_DEMO_PASSWORD: 'e2e-demo-password', RUST_LOG: 'warn' },
    },
    {
      command: `"${binary}" serve --data-dir "${live.dataDir}" --bind 127.0.0.1:${live.port} --mail-dir "${live.mailDir}" --public-url http://127.0.0.1:${live.port}`,
      url: `http://127.0.0.1:${live.port}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      env: { RUST_LOG: 'warn' },
    },
    {
      command: 'node oidc/provider.mjs',
      url: `http://127.0.0.1:${sso.providerPort}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: false,
      env: { OIDC_PORT: String(sso.providerPort), KINDLING_SSO_URL: `http://127.0.0.1:${sso.port}` },
    },
    {
      // Set up first (people created on first sign-in join the first organisation), then serve.
      command: `sh -c '"${binary}" setup --organisation "Northfield NHS Trust" --kind "NHS trust" --admin-email admin@northfield.nhs.uk --data-dir "${sso.dataDir}" > /dev/null && exec "${binary}" serve --data-dir "${sso.dataDir}" --bind 127.0.0.1:${sso.port} --public-url http://127.0.0.1:${sso.port} --oidc-issuer http://127.0.0.1:${sso.providerPort} --oidc-client-id kindling-e2e --oidc-label "Sign in with your Northfield account" --oidc-allowed-domains northfield.nhs.uk --oidc-create-people'`,
      url: `http://127.0.0.1:${sso.port}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      env: { RUST_LOG: 'warn', KINDLING_OIDC_CLIENT_SECRET: 'e2e-client-secret' },
    },
  ],
});
