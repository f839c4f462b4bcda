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
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Kindling' })).toBeVisible();
  await expectAccessible(page);
}

module.exports = { PASSWORD, expectAccessible, signIn, signOut };
