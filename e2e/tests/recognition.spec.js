// Notifications, recognition and spread: a clinician mentions the improvement lead in a comment and
// thanks them from their profile; the lead finds both in their notifications, follows the mention and
// chooses a weekly email digest; the lead rates how complex a spread will be and sees the support it
// calls for; the library filters by care setting. Every page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });
const account = (page) => page.getByRole('navigation', { name: 'Account' });
const QUIET = 'Quiet hours at night to help patients sleep';
const MEALTIMES = 'Protected mealtimes with volunteer helpers';

test('a mention and a thank-you reach the lead, who follows them and chooses a weekly digest', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: QUIET }).click();
  await page.getByLabel('Add a comment').fill('@improvement-lead could you help us shape the aim?');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await expect(page.getByText('could you help us shape the aim?')).toBeVisible();

  await account(page).getByRole('link', { name: 'Northfield Teaching Hospitals NHS Foundation Trust' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Awards' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('list', { name: 'People' }).getByRole('link', { name: 'Tom Okafor' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tom Okafor' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Thank Tom Okafor' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Recognise someone' })).toBeVisible();
  await expectAccessible(page);
  // Bad input first: a patient's name is refused, and what was typed is kept.
  await page.getByLabel('In a line: what for?').fill('Shaping the quiet hours idea');
  await page.getByLabel('Your message').fill('Mrs Patel slept through the night for the first time.');
  await page.getByRole('button', { name: 'Send recognition' }).click();
  await expect(page.getByRole('alert')).toContainText('Remove what looks like a name after a title before sending');
  await expect(page.getByLabel('In a line: what for?')).toHaveValue('Shaping the quiet hours idea');
  await expectAccessible(page);
  // A colleague's name after a title is not a patient's (issue 18 §4): Dr Price works here.
  await page.getByLabel('Your message').fill('You turned a night-shift grumble into a plan we can test, and Dr Price backed it.');
  await page.getByRole('button', { name: 'Send recognition' }).click();
  await expect(page.getByText('Your recognition has been sent')).toBeVisible();
  await expect(page.getByText('You turned a night-shift grumble into a plan we can test, and Dr Price backed it.')).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'improvement-lead@demo.kindling.test');
  await account(page).getByRole('link', { name: /^Notifications \(\d+ unread\)$/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Priya Shah: Thanks — Shaping the quiet hours idea' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: `Priya Shah mentioned you on ${QUIET}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: QUIET })).toBeVisible();

  await account(page).getByRole('link', { name: /^Tom Okafor/ }).click();
  await page.getByLabel('Once a week').check();
  await page.getByRole('button', { name: 'Save email preference' }).click();
  await expect(page.getByText('Your email preference has been saved.')).toBeVisible();
  await expect(page.getByLabel('Once a week')).toBeChecked();
  await expectAccessible(page);
});

test('the lead rates the complexity of a spread and the library filters by care setting', async ({ page }) => {
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: MEALTIMES }).click();
  await page.getByRole('link', { name: /^Complexity of spreading it/ }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Complex in 1 domain' })).toBeVisible();
  await expectAccessible(page);
  // Volunteers are now recruited centrally: the adopters are complicated rather than complex.
  await page.getByRole('group', { name: /How complex is the adopter system/ }).getByLabel('Complicated').check();
  await page.getByRole('button', { name: 'Save the complexity profile' }).click();
  await expect(page.getByText('The complexity profile has been saved.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Complicated in 3 domains' })).toBeVisible();
  await expectAccessible(page);

  await menu(page).getByRole('link', { name: 'Learning' }).click();
  await page.getByLabel('Search', { exact: true }).fill('patients');
  await page.getByLabel('Care setting').selectOption({ label: 'Community health' });
  await page.getByLabel('Type').selectOption({ label: 'Initiatives' });
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('link', { name: MEALTIMES })).toBeVisible();
  await expect(page.getByRole('link', { name: QUIET })).toHaveCount(0);
  await expectAccessible(page);
});
