// Public feedback: the team gets a link and a QR poster; someone without an account answers (first
// with an NHS number in the comment, which is refused), and the answer shows on the rating measure.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const TITLE = 'Discharge letters drafted at the board round';

test('feedback through the public link, without signing in, reaches the measure', async ({ page }) => {
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: TITLE }).click();
  await page.getByRole('link', { name: `Feedback on this change to ${TITLE}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Feedback' })).toBeVisible();
  await expectAccessible(page);
  const link = await page.locator('.kindling-token a').getAttribute('href');
  expect(link).toMatch(/\/feedback\/[0-9a-f]{16}$/);
  await page.getByRole('link', { name: `Print a poster with a QR code for ${TITLE}` }).click();
  await expect(page.getByRole('img', { name: 'QR code for the feedback link' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Back to feedback' }).click();
  await signOut(page);

  // Someone without an account.
  await page.goto(new URL(link).pathname);
  await expect(page.getByRole('heading', { level: 1, name: 'Tell us what you think' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('A patient').check();
  await page.getByLabel('Good', { exact: true }).check();
  await page.getByLabel('Anything you would like to tell us? (optional)').fill('My NHS number is 943 476 5919 and the letter came quickly.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toContainText('Your comment seems to include an NHS number');
  await expect(page.getByLabel('Anything you would like to tell us? (optional)')).toHaveValue('My NHS number is 943 476 5919 and the letter came quickly.');
  await expectAccessible(page);
  // A telephone number and an email address would be published with a reply: refused too (issue 18 §4).
  await page.getByLabel('Anything you would like to tell us? (optional)').fill('Ring me on 07700 900123 or write to sam@example.com.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toContainText('a telephone number');
  await expect(page.getByRole('alert')).toContainText('an email address');
  await expectAccessible(page);
  await page.getByLabel('Anything you would like to tell us? (optional)').fill('The letter came quickly and transport was not kept waiting.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you' })).toBeVisible();
  await expectAccessible(page);

  // The team sees the answer, and the rating on its measure.
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await page.goto(new URL(link).pathname.replace(/^\/feedback\/.*/, '/initiatives'));
  await page.getByRole('link', { name: TITLE }).click();
  await page.getByRole('link', { name: `Feedback on this change to ${TITLE}` }).click();
  await expect(page.getByText('The letter came quickly and transport was not kept waiting.')).toBeVisible();
  await expect(page.getByText('Good (4 of 5)')).toBeVisible();
  await page.getByRole('link', { name: 'See the ratings as a measure' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Feedback rating' })).toBeVisible();
  await expect(page.getByText(/Latest: 4 for the period from/)).toBeVisible();
  await expectAccessible(page);
});
