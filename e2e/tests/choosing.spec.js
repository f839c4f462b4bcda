// A programme where each mentee chooses their mentor (issue 19 §3). The lead sets one up with
// "mentees choose", enrols a mentee and three mentors from a file and publishes a round, which holds a
// place with each mentor on the mentee's shortlist. The mentee reads each mentor's profile and why
// they suit her, is asked again when she accepts without choosing, and chooses the second. Every page
// is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const PROGRAMME = "Ward leaders' mentoring";
const menu = (page) => page.getByRole('navigation', { name: 'Menu' });

test('a mentee chooses her mentor from a shortlist', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'programme-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('button', { name: 'Set up a programme' }).click();
  await page.getByLabel('Name of the programme').fill(PROGRAMME);
  await page.getByLabel('Who can take part').fill('Nurses leading a ward');
  await page.getByLabel(/^Each mentee chooses from a shortlist/).check();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Save the programme' }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
  const header = 'side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track';
  const site = 'Northfield General Hospital';
  const rows = [
    `mentee,WL-01,Priya Shah,clinician@demo.kindling.test,nurse,5,${site},,quality-improvement;leadership,,,,,`,
    `mentor,WL-11,Grace Obi,,nurse,7,${site},,quality-improvement;leadership,,,1,,`,
    `mentor,WL-12,Ama Boateng,,nurse,7,${site},,quality-improvement,,,1,,`,
    `mentor,WL-13,Ben Hale,,nurse,7,${site},,clinical-audit,,,1,,`,
  ];
  await page.getByLabel('Participants file').setInputFiles({
    name: 'ward-leaders.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${header}\n${rows.join('\n')}\n`),
  });
  await page.getByRole('button', { name: 'Import participants' }).click();
  await expect(page.getByText('4 participants were enrolled from the file.')).toBeVisible();
  await page.getByRole('button', { name: 'Run a matching round' }).click();
  await expect(page.getByText('1 matched mentee can choose from a shortlist, with 2 other places held')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Proposed pairs' })).toContainText('Grace Obi');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Publish this round' }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
  await signOut(page);

  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('list', { name: 'Your matches' }).getByRole('link', { name: 'Priya Shah with Grace Obi' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Choose your mentor' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 3 })).toHaveText(["Grace Obi (the round's choice)", 'Ama Boateng', 'Ben Hale']);
  await expect(page.getByRole('list', { name: 'Why Ama Boateng was suggested' })).toContainText('quality improvement');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Accept the mentor chosen' }).click();
  await expect(page.getByRole('alert')).toContainText('Choose a mentor from the shortlist');
  await expectAccessible(page);
  await page.getByLabel('Ama Boateng', { exact: true }).check();
  await page.getByRole('button', { name: 'Accept the mentor chosen' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Priya Shah and Ama Boateng' })).toBeVisible();
  await expect(page.getByText('Active', { exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your mentor' })).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
});
