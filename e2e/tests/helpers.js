const { expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

const PASSWORD = 'e2e-demo-password';

/** Scans the page with axe for WCAG 2.2 A and AA and fails on any violation, naming each. */
async function expectAccessible(page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

async function signIn(page, email) {
  await page.goto('/sign-in');
  await expectAccessible(page);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Kindling' })).toBeVisible();
  await expectAccessible(page);
}

module.exports = { PASSWORD, expectAccessible, signIn, signOut };

/** The current six-digit code of an authenticator app holding `base32Secret` (RFC 6238, SHA-1, 30 s),
 * computed here as a phone would. */
function totpCode(base32Secret, atMs = Date.now()) {
  const crypto = require('node:crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32Secret.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30000)));
  const digest = crypto.createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const offset = digest[19] & 0x0f;
  const binary = ((digest[offset] & 0x7f) << 24) | (digest[offset + 1] << 16) | (digest[offset + 2] << 8) | digest[offset + 3];
  return String(binary % 1_000_000).padStart(6, '0');
}

/** The newest email in `mailDir` to `address`, with quoted-printable soft breaks and escapes undone. */
function newestEmailTo(mailDir, address) {
  const fs = require('node:fs');
  const path = require('node:path');
  const files = fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).sort() : [];
  for (const file of files.reverse()) {
    const text = fs.readFileSync(path.join(mailDir, file), 'utf8');
    if (text.split(/\r?\n/).some((l) => l.startsWith('To:') && l.includes(address))) {
      return text.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    }
  }
  return null;
}

module.exports.totpCode = totpCode;
module.exports.newestEmailTo = newestEmailTo;
