// A patient partner's limited account (issue 19 §5). The facilitator finds the form that gives a
// partner an account (a mistake is named beside its field, what was typed kept); the demo's partner
// signs in, lands on the spaces they take part in, adds an output and comments on a challenge idea
// themselves, and is refused anything else. Every page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const SPACE = 'Safer transfers of care between hospital and care homes';

test('a patient partner takes part in their space with a limited account', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await page.goto('/spaces/1');
  await expect(page.getByRole('heading', { name: 'Give a patient partner an account' })).toBeVisible();
  await page.getByLabel('Partner', { exact: true }).selectOption({ label: 'June (family carer)' });
  await page.getByLabel('Their email address').fill('june at example');
  await page.getByRole('button', { name: 'Invite them' }).click();
  await expect(page.getByRole('heading', { name: 'There is a problem' })).toBeVisible();
  await expect(page.getByLabel('Their email address')).toHaveValue('june at example');
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'partner@demo.kindling.test');
  await expect(page).toHaveURL(/\/spaces$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your collaborative spaces' })).toBeVisible();
  const menu = page.getByRole('navigation', { name: 'Menu' });
  await expect(menu.getByRole('link')).toHaveText(['Your collaborative spaces']);
  await expectAccessible(page);
  await page.getByRole('link', { name: SPACE }).click();
  await expect(page.getByText('You take part in this space as a patient partner')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Stage').selectOption({ label: 'Test' });
  await page.getByRole('textbox', { name: 'Output' }).fill('I would read the new transfer letter with my daughter before it is used.');
  await page.getByRole('button', { name: 'Add the output' }).click();
  await expect(page.getByRole('list', { name: 'Test outputs' })).toContainText('Tom (former patient)');
  await page.getByRole('list', { name: 'Challenges' }).getByRole('link').first().click();
  await expect(page.getByText('As a patient partner, you comment on the ideas')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('table', { name: 'Ideas, most supported first' }).getByRole('link').first().click();
  await page.getByLabel('Add a comment').fill('Ask the families what they were told.');
  await page.getByRole('button', { name: 'Post the comment' }).click();
  await expect(page.getByRole('list', { name: 'Comments' })).toContainText('Ask the families what they were told.');
  await expectAccessible(page);
  // Anything else is refused, saying what the account opens.
  await page.goto('/initiatives');
  await expect(page.getByText("A patient partner's account opens the collaborative spaces you take part in")).toBeVisible();
  await expectAccessible(page);
  await page.goto('/account');
  await expect(page.getByRole('heading', { name: 'API tokens' })).toHaveCount(0);
  await expectAccessible(page);
  await signOut(page);
});
