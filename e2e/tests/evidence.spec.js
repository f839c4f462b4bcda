// Evidence of improvement: the dashboard, an initiative's evidence panel, importing a spreadsheet
// (first with a bad row, which imports nothing), defining a measure, and a PDSA cycle whose phase
// recalculates the limits. Every page visited is scanned with axe.
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn } = require('./helpers');

const FALLS = 'Falls prevention: bay tagging on Ward 7';
const OVERTIME = 'Staff overtime hours on Ward 7';

async function openInitiative(page, title) {
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}

test('an improvement lead reads the evidence, imports a spreadsheet and runs a PDSA cycle', async ({ page }) => {
  await signIn(page, 'improvement-lead@demo.kindling.test');

  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByText('5 measures: statistical process control summary')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Signal').selectOption('concern');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByText('1 measure: statistical process control summary')).toBeVisible();
  await expect(page.getByRole('link', { name: OVERTIME })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: /^Board report/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Board report: evidence of improvement' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 3, name: new RegExp(OVERTIME) })).toBeVisible();
  await expectAccessible(page);

  await openInitiative(page, FALLS);
  await expect(page.getByText('Balancing measure of concern')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: OVERTIME }).click();
  await expect(page.getByRole('heading', { level: 1, name: OVERTIME })).toBeVisible();
  await expect(page.locator('figure svg')).toBeVisible();
  await expectAccessible(page);

  // A spreadsheet with one bad row: every problem named, nothing imported.
  const fixtures = path.join(__dirname, '..', '..', 'crates', 'web', 'tests', 'fixtures');
  await page.getByLabel('Spreadsheet (CSV or Excel)', { exact: true }).setInputFiles(path.join(fixtures, 'overtime-bad.xlsx'));
  await page.getByRole('button', { name: 'Check the file' }).click();
  await expect(page.getByRole('alert')).toContainText('overtime-bad.xlsx has 1 row that cannot be imported: nothing was imported');
  await expect(page.getByText('Row 3: The value "forty" is not a number')).toBeVisible();
  await expect(page).toHaveTitle(/^Error: /);
  await expectAccessible(page);

  // The fixed spreadsheet: a preview first, then the import.
  await page.getByLabel('Spreadsheet (CSV or Excel)', { exact: true }).setInputFiles(path.join(fixtures, 'overtime-good.xlsx'));
  await page.getByRole('button', { name: 'Check the file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check the data before importing' })).toBeVisible();
  await expect(page.getByText('overtime-good.xlsx has 3 rows, all valid.')).toBeVisible();
  await expect(page.getByRole('cell', { name: '1 January 2030' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Import 3 rows' }).click();
  await expect(page.getByText('The file has been imported and the chart recalculated.')).toBeVisible();
  await expectAccessible(page);

  // A PDSA cycle that changes the process starts a new phase on this measure.
  await page.getByRole('link', { name: `Back to ${FALLS}` }).click();
  await page.getByRole('link', { name: `Plan a PDSA cycle for ${FALLS}` }).click();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Start the cycle' }).click();
  await expect(page.getByRole('alert').getByRole('link', { name: 'Enter the change you will test' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('What change will you test?').fill('A break rota so tagging needs no overtime');
  await page.getByLabel('What do you predict will happen?').fill('Overtime falls back to about 40 hours a week');
  await page.getByLabel('Day', { exact: true }).fill('1');
  await page.getByLabel('Month', { exact: true }).fill('2');
  await page.getByLabel('Year', { exact: true }).fill('2030');
  await page.getByLabel(/Staff overtime hours on Ward 7/).check();
  await page.getByRole('button', { name: 'Start the cycle' }).click();
  await expect(page.getByText('The cycle is planned.')).toBeVisible();
  await expectAccessible(page);

  // Do, study, act.
  await page.getByRole('button', { name: 'Start doing the test' }).click();
  await page.getByRole('button', { name: 'Record what we learned' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter what the data showed against the prediction');
  await expectAccessible(page);
  await page.getByLabel('What did the data show against the prediction?').fill('Overtime fell to 39.5 hours in two months.');
  await page.getByRole('button', { name: 'Record what we learned' }).click();
  await page.getByLabel('Adopt: keep the change as it is').check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.getByText('Adopt: keep the change as it is')).toBeVisible();
  await expectAccessible(page);

  // The new phase's centre line is the mean of its own two months: (40 + 39) / 2.
  await page.getByRole('link', { name: OVERTIME }).click();
  await expect(page.getByText('PDSA cycle: A break rota so tagging needs no overtime')).toBeVisible();
  await page.getByText("The chart's data as a table").click();
  const lastRow = page.getByRole('table', { name: `Data for ${OVERTIME}` }).getByRole('row').last();
  await expect(lastRow.getByRole('cell').nth(1)).toHaveText('39.5');
  await expectAccessible(page);

  // Equity: overtime by shift. Since the cycle's phase the whole measure shows no change, so days
  // (flat) agree with it, and nights (rising, further from days) are the one group flagged.
  const days = [42, 44, 41, 43, 42, 44, 41, 43, 42, 44, 41, 43, 42, 44, 41, 43, 42, 44, 41, 43];
  const nights = [43, 41, 44, 42, 43, 41, 44, 42, 43, 41, 44, 42, 52, 55, 54, 56, 55, 57, 56, 58];
  const rows = ['subgroup,period,value'];
  for (const [name, values] of [['Days', days], ['Nights', nights]]) {
    values.forEach((v, k) => rows.push(`${name},${2024 + Math.floor(k / 12)}-${String(1 + (k % 12)).padStart(2, '0')}-01,${v}`));
  }
  await page.getByLabel('Broken down by').selectOption('other');
  await page.getByLabel('Subgroup spreadsheet (CSV or Excel)').setInputFiles({ name: 'shifts.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await page.getByRole('button', { name: 'Import subgroup data' }).click();
  await expect(page.getByText('The subgroup data have been imported.')).toBeVisible();
  await expect(page.getByText('1 group flagged')).toBeVisible();
  await expect(page.getByText('Concern for this group, no significant change for the whole measure')).toBeVisible();
  await expect(page.getByRole('heading', { level: 4, name: 'Nights' })).toBeVisible();
  await expectAccessible(page);
});

test('a new measure is defined, refused with its errors first, then given data', async ({ page }) => {
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await openInitiative(page, 'SSKIN bundle refresh for pressure ulcers');
  await page.getByRole('link', { name: 'Add a measure to SSKIN bundle refresh for pressure ulcers' }).click();
  await expectAccessible(page);
  await page.getByLabel('Name').fill('Category 2+ pressure ulcers');
  await page.getByRole('button', { name: 'Save measure' }).click();
  await expect(page.getByRole('alert').getByRole('link', { name: 'Select whether this is an outcome, process or balancing measure' })).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveValue('Category 2+ pressure ulcers');
  await expectAccessible(page);
  await page.getByLabel('Outcome', { exact: true }).check();
  await page.getByLabel('What is it about?').selectOption('clinical-outcome');
  await page.getByLabel('What is counted or measured?').fill('New category 2 or worse pressure ulcers acquired on Rowan Ward');
  await page.getByLabel('Where do the data come from?').fill('Incident reporting system');
  await page.getByLabel('Lower is better').check();
  await page.getByLabel('A count of events').check();
  await page.getByRole('button', { name: 'Save measure' }).click();
  await expect(page.getByText('The measure has been added.')).toBeVisible();
  await expect(page.getByText('No data yet.')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Values, one period per line (monthly)').fill('3\n2\n4\n3');
  await page.locator('#start_day').fill('1');
  await page.locator('#start_month').fill('1');
  await page.locator('#start_year').fill('2026');
  await page.getByRole('button', { name: 'Add these periods' }).click();
  await expect(page.getByText('The data have been added and the chart recalculated.')).toBeVisible();
  await expect(page.locator('figure svg')).toBeVisible();
  await expectAccessible(page);
});
