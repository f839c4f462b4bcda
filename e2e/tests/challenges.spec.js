// A challenge in a collaborative space, from question to initiative (issue 19 §5). The improvement
// lead opens a space and runs a challenge with its criteria; a nurse joins and posts an idea (an NHS
// number in it is refused, what she typed kept); a pharmacist joins, posts a similar idea, sees the
// nurse's among similar ideas, supports it and comments. The facilitator shortlists, names the panel,
// closes the challenge to ideas; the panel scores against each criterion; the results rank the idea
// and the facilitator makes it an initiative, which links back to the idea and carries its history.
// Every page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const SPACE = 'Home before noon';
const QUESTION = 'How might we get more patients home before noon?';
const IDEA = 'Prepare discharge medicines the evening before';

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });

async function openChallenge(page) {
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('link', { name: 'Collaborative spaces' }).click();
  await page.getByRole('link', { name: SPACE }).click();
  await expect(page.getByRole('heading', { level: 1, name: SPACE })).toBeVisible();
  await page.getByRole('list', { name: 'Challenges' }).getByRole('link', { name: QUESTION }).click();
  await expect(page.getByRole('heading', { level: 1, name: QUESTION })).toBeVisible();
}

async function joinAndOpen(page, email) {
  await signIn(page, email);
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('link', { name: 'Collaborative spaces' }).click();
  await page.getByRole('link', { name: SPACE }).click();
  await page.getByRole('button', { name: 'Join this space' }).click();
  await page.getByRole('list', { name: 'Challenges' }).getByRole('link', { name: QUESTION }).click();
  await expect(page.getByRole('heading', { level: 1, name: QUESTION })).toBeVisible();
}

async function postIdea(page, title, description) {
  await page.getByLabel('Your idea in a few words').fill(title);
  await page.getByLabel('What you would do, and why it would help').fill(description);
  await page.getByRole('button', { name: 'Post the idea' }).click();
}

async function score(page, values) {
  const criteria = ['Benefit to patients', 'Ease of trying it'];
  for (const [k, value] of values.entries()) {
    await page.getByRole('group', { name: criteria[k] }).getByLabel(String(value), { exact: true }).check();
  }
  await page.getByRole('button', { name: 'Save my scores' }).click();
  await expect(page.getByRole('heading', { name: "The panel's results" })).toBeVisible();
}

test('a facilitator runs a challenge from question to an initiative', async ({ page }) => {
  test.setTimeout(180_000);
  // The improvement lead opens a space and a challenge in it; a date that is not ahead is refused.
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('link', { name: 'Collaborative spaces' }).click();
  await page.getByRole('button', { name: 'Open a space' }).click();
  await page.getByLabel('Name of the space').fill(SPACE);
  await page.getByLabel('The theme: what people will work on together').fill('Earlier discharges, across wards and pharmacy');
  await page.getByRole('button', { name: 'Open the space' }).click();
  await page.getByRole('link', { name: 'Run a challenge in this space' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Run a challenge' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('The question').fill(QUESTION);
  const today = new Date();
  await page.getByLabel('Day').fill(String(today.getUTCDate()));
  await page.getByLabel('Month').fill(String(today.getUTCMonth() + 1));
  await page.getByLabel('Year').fill(String(today.getUTCFullYear()));
  await page.getByLabel('Criteria the panel scores ideas on, one per line').fill('Benefit to patients\nEase of trying it');
  await page.getByRole('button', { name: 'Open the challenge' }).click();
  await expect(page.getByRole('alert')).toContainText('The closing date must be after today');
  await expect(page.getByLabel('The question')).toHaveValue(QUESTION);
  await expectAccessible(page);
  const closes = new Date(Date.now() + 14 * 24 * 60 * 60 * 1000);
  await page.getByLabel('Day').fill(String(closes.getUTCDate()));
  await page.getByLabel('Month').fill(String(closes.getUTCMonth() + 1));
  await page.getByLabel('Year').fill(String(closes.getUTCFullYear()));
  await page.getByRole('button', { name: 'Open the challenge' }).click();
  await expect(page.getByRole('heading', { level: 1, name: QUESTION })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Criteria' })).toContainText('Ease of trying it');
  await expectAccessible(page);
  await signOut(page);

  // A nurse joins and posts an idea; an NHS number in it is refused and what she typed is kept.
  await joinAndOpen(page, 'clinician@demo.kindling.test');
  await postIdea(page, IDEA, 'As for the man in bed 4, NHS number 943 476 5919, who waited until 4pm.');
  await expect(page.getByRole('alert')).toContainText('Remove what looks like');
  await expect(page.getByLabel('Your idea in a few words')).toHaveValue(IDEA);
  await expectAccessible(page);
  await page.getByLabel('What you would do, and why it would help').fill('Pharmacy prepares discharge medicines overnight, so patients leave after the morning round.');
  await page.getByRole('button', { name: 'Post the idea' }).click();
  await expect(page.getByRole('heading', { level: 1, name: IDEA })).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  // A pharmacist posts a similar idea, finds the nurse's among similar ideas, supports it and comments.
  await joinAndOpen(page, 'pharmacist@demo.kindling.test');
  await postIdea(page, 'Discharge medicines prepared a day ahead', 'A day-ahead list of discharge medicines from the wards.');
  await page.getByRole('list', { name: 'Similar ideas' }).getByRole('link', { name: IDEA }).click();
  await expect(page.getByRole('heading', { level: 1, name: IDEA })).toBeVisible();
  await page.getByRole('button', { name: 'Support this idea' }).click();
  await expect(page.getByText('1 person supports this idea.')).toBeVisible();
  await page.getByLabel('Add a comment').fill('Ward 7 could try it first; pharmacy has an evening technician.');
  await page.getByRole('button', { name: 'Post the comment' }).click();
  await expect(page.getByRole('list', { name: 'Comments' })).toContainText('Ward 7 could try it first');
  await expectAccessible(page);
  await signOut(page);

  // The facilitator shortlists, names the panel and closes the challenge to ideas; he scores.
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await openChallenge(page);
  await page.getByRole('button', { name: `Shortlist ${IDEA}` }).click();
  await page.getByLabel('Add a member of the space to the panel').selectOption({ label: 'Aisha Rahman, Northfield Teaching Hospitals NHS Foundation Trust' });
  await page.getByRole('button', { name: 'Add to the panel' }).click();
  await page.getByLabel('Add a member of the space to the panel').selectOption({ label: 'Tom Okafor, Northfield Teaching Hospitals NHS Foundation Trust' });
  await page.getByRole('button', { name: 'Add to the panel' }).click();
  await expect(page.getByRole('list', { name: 'Panel' })).toContainText('Aisha Rahman');
  await page.getByRole('button', { name: 'Close to new ideas and start judging' }).click();
  await expect(page.getByText('Closed to new ideas: the panel is scoring the shortlist')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('region', { name: 'Results' }).getByRole('link', { name: IDEA }).click();
  await score(page, [5, 3]);
  await signOut(page);

  // The second panel member scores; the results are each criterion's mean: (5+3)/2 and (3+5)/2.
  await signIn(page, 'pharmacist@demo.kindling.test');
  await openChallenge(page);
  await page.getByRole('region', { name: 'Results' }).getByRole('link', { name: IDEA }).click();
  await expectAccessible(page);
  await score(page, [3, 5]);
  const row = page.getByRole('region', { name: 'Results' }).getByRole('row', { name: new RegExp(IDEA) });
  await expect(row).toContainText('4.0');
  await expect(row).toContainText('8.0');
  await signOut(page);

  // The facilitator makes the idea an initiative; it links back and carries its history.
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await openChallenge(page);
  await page.getByRole('button', { name: new RegExp(`^Make it an initiative\\s*: ${IDEA}$`) }).click();
  await expect(page.getByRole('heading', { level: 1, name: IDEA })).toBeVisible();
  await expect(page.getByRole('link', { name: `an idea in the challenge "${QUESTION}"` })).toBeVisible();
  await expect(page.getByText(/1 supporter, 1 comment; shortlisted and scored by 2 panel members: 8\.0 of 10/)).toBeVisible();
  await expectAccessible(page);
});
