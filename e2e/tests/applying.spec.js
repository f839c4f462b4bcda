// Joining a mentoring programme by applying (issue 19 §3). The programme lead sets up a programme open
// to applications, with its own question and a mentor training requirement, and enrols a first pair
// from a file. A pharmacist (a clinician) applies as a mentee and a nurse as a mentor; the lead
// approves both, records the new mentor's training (the selection step) and runs a small round that
// keeps the first pair as it is. The mentee reads her mentor's profile and why they were matched,
// accepts, plans a meeting and downloads its calendar invitation, which is read as a calendar reads
// it. The lead sees the pair active, and in the demo programme an offer with no answer flagged.
// Every page is scanned with axe.
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const PROGRAMME = 'Quality improvement coaching';
const QUESTION = 'What would you like to change in your service?';

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });

async function openProgramme(page) {
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('link', { name: PROGRAMME }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
}

async function applyAs(page, email, fields) {
  await signIn(page, email);
  await openProgramme(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Apply to join this programme' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Apply to join' })).toBeVisible();
  await expectAccessible(page);
  await fields();
  await page.getByRole('button', { name: 'Send the application' }).click();
  await expect(page.getByText("Waiting for the lead's decision")).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
}

test('staff apply, the lead approves and matches them, and the new pair meet', async ({ page }) => {
  // Four people, three sign-ins each way and an axe scan of every page: longer than one journey.
  test.setTimeout(180_000);
  // The lead sets up the programme and enrols a first pair, trained and offered in a first round.
  await signIn(page, 'programme-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('button', { name: 'Set up a programme' }).click();
  await page.getByLabel('Name of the programme').fill(PROGRAMME);
  await page.getByLabel('Who can take part').fill('Clinical staff leading a change in their service');
  await page.getByLabel('Training a mentor needs before being matched (optional)').fill('Coaching skills (one day)');
  await page.getByLabel(/^Open for applications/).check();
  await page.getByLabel('Questions for applicants, one per line (optional)').fill(QUESTION);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Save the programme' }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
  const header = 'side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track';
  await page.getByLabel('Participants file').setInputFiles({
    name: 'first-pair.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${header}\nmentee,QI-01,Leo Grant,,physiotherapist,5,Northfield General Hospital,,quality-improvement,,,,,\nmentor,QI-02,Ruth Evans,,nurse,8,Northfield General Hospital,,quality-improvement,,,1,,\n`),
  });
  await page.getByRole('button', { name: 'Import participants' }).click();
  await expect(page.getByText('2 participants were enrolled from the file.')).toBeVisible();
  await page.getByRole('link', { name: 'Mentors', exact: true }).click();
  await page.getByRole('link', { name: 'Ruth Evans' }).click();
  await recordTraining(page, 'Certificate CS-101');
  await page.getByRole('link', { name: `Back to ${PROGRAMME}` }).click();
  await page.getByRole('button', { name: 'Run a matching round' }).click();
  await expect(page.getByRole('region', { name: 'Proposed pairs' })).toContainText('Leo Grant');
  await page.getByRole('button', { name: 'Publish this round' }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
  await signOut(page);

  // A pharmacist applies as a mentee; a mistake is refused with what she typed kept.
  await applyAs(page, 'pharmacist@demo.kindling.test', async () => {
    await page.getByLabel('A mentee', { exact: true }).check();
    await expect(page.getByLabel('Profession')).toHaveValue('pharmacist');
    await page.getByLabel('Grade or band').fill('band six');
    await page.getByLabel('Site', { exact: true }).fill('Northfield General Hospital');
    await page.getByLabel('As a mentee: what you want to work on').fill('quality improvement, leading a team');
    await page.getByLabel(QUESTION).fill('Shorter waits for discharge medicines.');
    await page.getByRole('button', { name: 'Send the application' }).click();
    await expect(page.getByRole('alert')).toContainText('Enter the grade or band as a whole number from 1 to 20');
    await expect(page.getByLabel(QUESTION)).toHaveValue('Shorter waits for discharge medicines.');
    await expectAccessible(page);
    await page.getByLabel('Grade or band').fill('6');
  });
  // A nurse applies as a mentor.
  await applyAs(page, 'clinician@demo.kindling.test', async () => {
    await page.getByLabel('A mentor', { exact: true }).check();
    await page.getByLabel('Staff number (optional)').fill('NF-1187');
    await page.getByLabel('Grade or band').fill('7');
    await page.getByLabel('Site', { exact: true }).fill('Northfield General Hospital');
    await page.getByLabel('As a mentor: what you can offer').fill('quality improvement, discharge');
    await page.getByLabel('As a mentor: how many mentees you can take').fill('1');
    await page.getByLabel(QUESTION).fill('Help more teams run their first PDSA cycle.');
  });

  // The lead approves both; the new mentor's training is recorded before she can be matched.
  await signIn(page, 'programme-lead@demo.kindling.test');
  await openProgramme(page);
  await page.getByRole('link', { name: /^Applications: 2 waiting/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Applications' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Aisha Rahman' }).click();
  await expect(page.getByText('Shorter waits for discharge medicines.')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Approve and enrol' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Applications' })).toBeVisible();
  await page.getByRole('link', { name: 'Priya Shah' }).click();
  await page.getByRole('button', { name: 'Approve and enrol' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Priya Shah' })).toBeVisible();
  await expect(page.getByText(/This mentor is not matched until Coaching skills \(one day\) is recorded/)).toBeVisible();
  await recordTraining(page, 'Certificate CS-204');

  // A small round: the first pair stands, and the two who applied are paired.
  await page.getByRole('link', { name: `Back to ${PROGRAMME}` }).click();
  await page.getByRole('button', { name: 'Run a matching round' }).click();
  await expect(page.getByText(/^1: offered or active, left as they are/)).toBeVisible();
  const proposed = page.getByRole('region', { name: 'Proposed pairs' });
  await expect(proposed).toContainText('Aisha Rahman');
  await expect(proposed).toContainText('Priya Shah');
  await expect(proposed).not.toContainText('Leo Grant');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Publish this round' }).click();
  await signOut(page);

  // The mentee reads her mentor's profile and why they were matched, accepts, and plans a meeting.
  await signIn(page, 'pharmacist@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('list', { name: 'Your matches' }).getByRole('link', { name: 'Aisha Rahman with Priya Shah' }).click();
  await expect(page.getByRole('heading', { name: 'Your mentor' })).toBeVisible();
  await expect(page.getByText('Nurse, grade 7')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Why they were matched' })).toContainText('Goals the mentor has expertise in: quality improvement (+10 points)');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Accept this match' }).click();
  await expect(page.getByText('Active', { exact: true })).toBeVisible();
  const year = new Date().getUTCFullYear() + 1;
  const meetingForm = page.locator('form[action$="/meetings"]');
  await meetingForm.getByLabel('Day').fill('12');
  await meetingForm.getByLabel('Month').fill('1');
  await meetingForm.getByLabel('Year').fill(String(year));
  await meetingForm.getByLabel('Time (UK time, 24-hour clock)').fill('14:00');
  await meetingForm.getByLabel('Length of the meeting in minutes').fill('45');
  await meetingForm.getByLabel('In person', { exact: true }).check();
  await meetingForm.getByLabel('Where (for a meeting in person)').fill('Pharmacy office');
  await page.getByRole('button', { name: 'Plan the meeting' }).click();
  const planned = page.getByRole('list', { name: 'Planned meetings' });
  await expect(planned).toContainText(`12 January ${year} at 2:00pm, 45 minutes, in person: Pharmacy office`);
  await expectAccessible(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    planned.getByRole('link', { name: /^Add to your calendar/ }).click(),
  ]);
  const ics = fs.readFileSync(await download.path(), 'utf8');
  const properties = Object.fromEntries(
    ics.replace(/\r\n /g, '').split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
  // January is Greenwich Mean Time: 14:00 in the UK is 14:00 UTC.
  expect(properties.DTSTART).toBe(`${year}0112T140000Z`);
  expect(properties.DTEND).toBe(`${year}0112T144500Z`);
  expect(properties.SUMMARY).toBe('Mentoring: Aisha Rahman and Priya Shah');
  expect(properties.LOCATION).toBe('Pharmacy office');
  await signOut(page);

  // The lead sees the new pair active beside the first pair's offer; the demo programme's old offer
  // is flagged for having no answer.
  await signIn(page, 'programme-lead@demo.kindling.test');
  await openProgramme(page);
  await page.getByRole('link', { name: /^Relationships:/ }).click();
  await page.getByRole('link', { name: /^Active/ }).click();
  await expect(page.getByRole('table')).toContainText('Aisha Rahman with Priya Shah');
  await expectAccessible(page);
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('link', { name: 'Leading change: mentoring for emerging leaders' }).click();
  await page.getByRole('link', { name: /^Relationships:/ }).click();
  await page.getByRole('link', { name: 'No answer for two weeks' }).click();
  await expect(page.getByRole('table')).toContainText('No answer for two weeks');
  await expectAccessible(page);
});

async function recordTraining(page, evidence) {
  const today = new Date();
  const form = page.locator('form[action$="/training"]');
  await expect(form.getByLabel('Course')).toHaveValue('Coaching skills (one day)');
  await form.getByLabel('Day').fill(String(today.getUTCDate()));
  await form.getByLabel('Month').fill(String(today.getUTCMonth() + 1));
  await form.getByLabel('Year').fill(String(today.getUTCFullYear()));
  await form.getByLabel('Evidence').fill(evidence);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Record the training' }).click();
  await expect(page.getByText(evidence)).toBeVisible();
}
