// Learning from every try: a team stops an initiative and writes its learning review, is stopped from
// saving it while it holds an NHS number (highlighted), fixes it and shares it with the hub; a carer
// in another organisation finds it by searching, to learn from (a stopped change is not adopted); and the
// similar-initiative hint appears while a near-duplicate idea is written. Every page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });
const SSKIN = 'SSKIN bundle refresh for pressure ulcers';

test('a stopped initiative\'s review is blocked for an NHS number, shared with the hub, and found elsewhere to learn from', async ({ page }) => {
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: SSKIN }).click();
  await page.getByLabel('Stop', { exact: true }).check();
  await page.getByLabel('Reason').fill('Skin checks every two hours crowded out other care; stopping to rethink.');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('A learning review is due')).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('link', { name: /^Write the learning review/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Learning review' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('What did we expect to happen?').fill('Fewer category 2 pressure ulcers with two-hourly skin checks.');
  await page.getByLabel('What actually happened?').fill('Ulcers fell slightly, but for patient 943 476 5919 the checks woke them every night.');
  await page.getByLabel('Why was there a difference?').fill('Two-hourly checks at night disturbed sleep and took staff from other care.');
  await page.getByLabel('What will we keep?').fill('The SSKIN prompt at handover.');
  await page.getByLabel('What will we change?').fill('Risk-based check intervals, with fewer checks at night for low-risk patients.');
  await page.getByLabel('Everyone in the hub, in every organisation').check();
  await page.getByRole('button', { name: 'Save the learning review' }).click();
  await expect(page.getByRole('alert')).toContainText('contains what looks like an NHS number');
  await expect(page.locator('mark', { hasText: '943 476 5919' })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('What actually happened?').fill('Ulcers fell slightly, but the checks woke patients every night.');
  await page.getByRole('button', { name: 'Save the learning review' }).click();
  await expect(page.getByText('The learning review has been saved.')).toBeVisible();
  await expect(page.getByText('Visible to: everyone in the hub, in every organisation.')).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'carer@riverside.demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Learning' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Learning library' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Search', { exact: true }).fill('pressure ulcers night checks');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('status')).toContainText('1 result');
  await expectAccessible(page);
  await page.getByRole('link', { name: `Learning review: ${SSKIN}` }).click();
  await expect(page.getByText('Northfield Teaching Hospitals NHS Foundation Trust')).toBeVisible();
  await expectAccessible(page);

  // The change was stopped: the review is there to learn from, and nothing offers to adopt it (issue 20).
  await expect(page.getByRole('heading', { level: 2, name: 'Learn from it' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Adopt this change at your site' })).toHaveCount(0);
});

test('the similar-initiative hint appears while a near-duplicate idea is written', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Submit an idea' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Quiet nights so patients can sleep');
  await page.getByLabel('What is the problem?').fill('Noise and lights at night keep patients awake.');
  const hint = page.locator('#similar-ideas');
  await expect(hint.getByRole('heading', { name: 'Similar initiatives already exist' })).toBeVisible();
  await expect(hint.getByRole('link', { name: 'Quiet hours at night to help patients sleep' })).toBeVisible();
  await expectAccessible(page);
});
