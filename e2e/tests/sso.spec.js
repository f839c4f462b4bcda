// Single sign-on through a real OpenID Certified provider (oidc-provider, started beside Kindling): a
// person in an allowed domain signs in with PKCE and is created just in time; someone outside the domains
// is refused with a clear page and nothing is created. Every Kindling page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible } = require('./helpers');

const base = process.env.KINDLING_E2E_SSO_URL;

async function signInAtProvider(page, login) {
  await page.goto(`${base}/sign-in`);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Sign in with your Northfield account' }).click();
  // The provider's own development pages.
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  const consent = page.locator('button[type="submit"]', { hasText: /continue/i });
  if (await consent.count()) await consent.click();
}

test('a person in an allowed domain signs in through the provider and is created on the way', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAtProvider(page, 'nia.okoro@northfield.nhs.uk');
  await expect(page.getByRole('heading', { level: 1, name: 'Northfield NHS Trust' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Nia Okoro' })).toBeVisible();
  await expectAccessible(page);
  await context.close();
});

test('someone outside the allowed domains is refused with a clear page', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAtProvider(page, 'mallory@elsewhere.example');
  await expect(page.getByRole('heading', { level: 1, name: 'Your account cannot be used here' })).toBeVisible();
  await expect(page.getByText('mallory@elsewhere.example is not in an email domain')).toBeVisible();
  await expectAccessible(page);
  await page.goto(`${base}/initiatives`);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Kindling' })).toBeVisible();
  await context.close();
});
