// Spread by flexible translation (issue 20): the falls team writes the spread package with two core
// components, one adaptable part and a PDF; another site of the same trust adopts it keeping both core
// components; a care home in another organisation adopts it adapting one, with its reason; the falls
// team is told and answers; each site enters its own data; and the spread map shows both sites with
// their own verdicts. Every page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const FALLS = 'Falls prevention: bay tagging on Ward 7';
const CORE_ONE = 'A named person in the bay at all times';
const CORE_TWO = 'Handover before leaving the bay';
const MEASURE = 'Inpatient falls per 1,000 bed days';
const menu = (page) => page.getByRole('navigation', { name: 'Menu' });

/** Twenty months of falls per 1,000 bed days, pasted as a spreadsheet's two columns. */
const months = (falls) => falls.map((f) => `${f}\t1000`).join('\n');

async function openPackage(page) {
  await page.goto('/packages');
  await expect(page.getByRole('heading', { level: 1, name: 'Spread packages' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Search the packages').fill('tagging');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: FALLS }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Spread package: ${FALLS}` })).toBeVisible();
  await expectAccessible(page);
}

async function enterData(page, falls) {
  await page.getByRole('link', { name: MEASURE }).first().click();
  await page.getByLabel('Values, one period per line (monthly)').fill(months(falls));
  await page.locator('#start_day').fill('1');
  await page.locator('#start_month').fill('1');
  await page.locator('#start_year').fill('2025');
  await page.getByRole('button', { name: 'Add these periods' }).click();
  await expect(page.getByText('The data have been added and the chart recalculated.')).toBeVisible();
  await expectAccessible(page);
}

test('a package is written, adopted at two sites with their adaptations, and each site judged on its own data', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: FALLS }).click();
  await page.getByRole('link', { name: /^Spread package: what must be kept/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Spread package' })).toBeVisible();
  await expectAccessible(page);
  // Naming the ward it came from is refused: the package travels to other places.
  await page.getByLabel('Summary in plain language').fill('Bay tagging on Ward 7 halved falls in a year.');
  await page.locator('#core-1-name').fill(CORE_ONE);
  await page.locator('#core-1-why').fill('Most falls happen when nobody is there to help.');
  await page.locator('#core-1-check').fill('Spot checks find a tagged person in every bay.');
  await page.getByRole('button', { name: 'Save the package' }).click();
  await expect(page.getByRole('alert')).toContainText('This names Ward 7');
  await expectAccessible(page);
  await page.getByLabel('Summary in plain language').fill('One member of staff is always tagged into each bay of patients at high risk of falls; falls halved within a year.');
  await page.locator('#core-2-name').fill(CORE_TWO);
  await page.locator('#core-2-why').fill('Gaps open at breaks.');
  await page.locator('#core-2-check').fill('The tag is passed on, never dropped.');
  await page.locator('#adaptable-1-name').fill('How the tag is shown');
  await page.locator('#adaptable-1-examples').fill('A lanyard, a whiteboard or a wristband.');
  await page.getByRole('button', { name: 'Save the package' }).click();
  await expect(page.getByText('Version 1 of the spread package is saved.')).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('link', { name: 'Edit the package' }).click();
  await page.getByLabel('Title of the file').fill('Bay tagging poster');
  await page.getByLabel('File', { exact: true }).setInputFiles({
    name: 'poster.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n% a poster for the ward\n%%EOF\n'),
  });
  await page.getByRole('button', { name: 'Add the file' }).click();
  await expect(page.getByText('The file is now part of the spread package.')).toBeVisible();
  await expectAccessible(page);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Bay tagging poster' }).click();
  expect((await download).suggestedFilename()).toBe('poster.pdf');
  await signOut(page);

  // Another site of the same trust keeps both core components.
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await openPackage(page);
  await page.getByRole('link', { name: /^Adopt this change/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Adopt this change' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Title of your initiative').fill('Bay tagging at Eastbrook');
  await page.getByLabel('Where will you try it?').selectOption({ label: 'Eastbrook Community Hospital' });
  await page.getByLabel('Your local context').fill('A 24-bed rehabilitation ward where patients walk more.');
  await page.getByRole('group', { name: `Will you keep ${CORE_ONE} as it is?` }).getByLabel('Kept as it is').check();
  await page.getByRole('group', { name: `Will you keep ${CORE_TWO} as it is?` }).getByLabel('Kept as it is').check();
  await page.getByRole('button', { name: 'Adopt and start shaping' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Adoption: Bay tagging at Eastbrook' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Your initiative' }).click();
  await enterData(page, [7, 8, 6, 9, 7, 8, 7, 6, 8, 7, 9, 7, 8, 7, 6, 8, 7, 9, 7, 8]);
  await signOut(page);

  // A care home in another organisation adapts one core component, and says why.
  await signIn(page, 'carer@riverside.demo.kindling.test');
  await openPackage(page);
  await page.getByRole('link', { name: /^Adopt this change/ }).click();
  await page.getByLabel('Title of your initiative').fill('Lounge tagging at Riverside House');
  await page.getByLabel('Where will you try it?').selectOption({ label: 'Riverside House Care Home' });
  await page.getByLabel('Your local context').fill('A 40-bed care home whose residents spend the day in two lounges.');
  await page.getByRole('group', { name: `Will you keep ${CORE_ONE} as it is?` }).getByLabel('Adapted').check();
  await page.getByRole('button', { name: 'Adopt and start shaping' }).click();
  // Neither kept nor explained: shown again with the errors.
  await expect(page.getByRole('alert')).toContainText(`Enter why you will adapt ${CORE_ONE}`);
  await expect(page.getByRole('alert')).toContainText(`Say whether you keep ${CORE_TWO} as it is or adapt it`);
  await expectAccessible(page);
  await page.locator('#core-1-reason').fill('Residents sit in lounges, not bays: a carer is tagged to each lounge.');
  await page.getByRole('group', { name: `Will you keep ${CORE_TWO} as it is?` }).getByLabel('Kept as it is').check();
  await page.getByRole('button', { name: 'Adopt and start shaping' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Adoption: Lounge tagging at Riverside House' })).toBeVisible();
  await expect(page.getByText('Adapted: advice asked')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Your initiative' }).click();
  await enterData(page, [8, 7, 9, 8, 7, 8, 9, 7, 8, 8, 7, 9, 3, 2, 3, 2, 3, 2, 3, 2]);
  await signOut(page);

  // The falls team is told of the adapted core component and answers.
  await signIn(page, 'clinician@demo.kindling.test');
  await page.getByRole('link', { name: /^Notifications/ }).click();
  await page.getByRole('link', { name: `Riverside Community Care adapted the core component “${CORE_ONE}”: your advice is asked` }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Adoption: Lounge tagging at Riverside House' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Your message').fill('Tag the lounge door as well, so that night staff can see who is on.');
  await page.getByRole('button', { name: 'Send the message' }).click();
  await expect(page.getByText('The other team has been told.')).toBeVisible();
  await expect(page.getByText('Tag the lounge door as well, so that night staff can see who is on.')).toBeVisible();
  await expectAccessible(page);

  // The spread map: both sites, each with its own verdict.
  await page.getByRole('link', { name: 'The spread map' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'The spread map' })).toBeVisible();
  const glance = page.getByRole('table', { name: 'Every site at a glance' });
  await expect(glance.getByRole('row', { name: /Eastbrook Community Hospital/ })).toContainText(`No significant change: ${MEASURE}`);
  await expect(glance.getByRole('row', { name: /Riverside House Care Home/ })).toContainText(`Improvement: ${MEASURE}`);
  await expectAccessible(page);
});
