// Mentoring and collaborative spaces: the programme lead runs a matching round on the people waiting,
// opens an unmatched mentee's explanation, pairs them by an override (the round runs again) and
// publishes; a bad participant file enrols nobody; the relationships page flags the offer nobody
// answered and a reminder goes. The demo mentee accepts her match, is told off for a session dated
// tomorrow (what she typed is kept), logs a session, writes a private note, and plans a meeting whose
// calendar invitation is downloaded and read. A
// clinician suggests mixed teams in a space. The outcomes dashboard draws its charts. Every page is
// scanned with axe.
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn } = require('./helpers');

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });
const PROGRAMME = 'Leading change: mentoring for emerging leaders';

async function openProgramme(page) {
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mentoring' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: PROGRAMME }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
}

test('the programme lead runs a round, explains an unmatched mentee, overrides a pair and publishes', async ({ page }) => {
  await signIn(page, 'programme-lead@demo.kindling.test');
  await openProgramme(page);
  await expectAccessible(page);

  // A participant file with one bad row enrols nobody, and says which line is wrong.
  const before = await page.getByText(/mentees and \d+ mentors/).textContent();
  const header = 'side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track';
  await page.getByLabel('Participants file').setInputFiles({
    name: 'participants.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${header}\nmentee,NEW1,Ali Shah,,nurse,5,Northfield General Hospital,,leadership,,,,,\nmentee,NEW2,Bea Lowe,,nurse,band five,Northfield General Hospital,,leadership,,,,,\n`),
  });
  await page.getByRole('button', { name: 'Import participants' }).click();
  await expect(page.getByRole('alert').getByText('participants.csv has 1 row that cannot be imported: nobody was enrolled.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Rows that cannot be imported' })).toContainText('Line 3: grade: Enter the grade or band as a whole number from 1 to 20');
  await expect(page.getByText(/mentees and \d+ mentors/)).toHaveText(before);
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Run a matching round' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^Matching round \d+$/ })).toBeVisible();
  await expect(page.getByText('Proof that this is the best possible round')).toBeVisible();
  await expectAccessible(page);

  // Someone waits: open why.
  const waiting = page.getByRole('list', { name: 'Mentees not matched' }).getByRole('link').first();
  const who = (await waiting.textContent()).replace(/^Why /, '').replace(/ was not matched$/, '');
  await waiting.click();
  await expect(page.getByRole('heading', { level: 1, name: who })).toBeVisible();
  await expect(page.getByRole('heading', { name: `Why ${who} was not matched` })).toBeVisible();
  await expect(page.getByText(/^Too few places:/)).toBeVisible();
  await expectAccessible(page);

  // An unknown mentor is refused with the reason, and nothing changes.
  await page.goBack();
  await page.getByLabel('Pair them (a must-pair)').check();
  await page.getByLabel("Mentee's staff number or email").fill('NOBODY');
  await page.getByLabel("Mentor's staff number or email").fill('NM0002');
  await page.getByRole('button', { name: 'Override and run again' }).click();
  await expect(page.getByRole('alert')).toContainText('This override cannot be applied, so nothing was changed: must-pair NOBODY–NM0002: nobody is enrolled as a mentee with the reference NOBODY');
  await expect(page.getByLabel("Mentee's staff number or email")).toHaveValue('NOBODY');
  await expectAccessible(page);

  // Pair the waiting mentee with the best mentor they could have: the round runs again with it.
  await page.getByRole('list', { name: 'Mentees not matched' }).getByRole('link', { name: `Why ${who} was not matched` }).click();
  const pairButton = page.getByRole('button', { name: /^Pair with .* and run again$/ }).first();
  const mentor = (await pairButton.textContent()).replace(/^Pair with /, '').replace(/ and run again$/, '');
  await pairButton.click();
  await expect(page.getByRole('heading', { name: 'Overrides in this round' })).toBeVisible();
  await expect(page.getByText(/^Proven: no round can match more mentees/)).toBeVisible();
  const first = page.getByRole('region', { name: 'Proposed pairs' }).getByRole('row').nth(1);
  await expect(first).toContainText(who);
  await expect(first).toContainText(`${mentor} Override`);
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Publish this round' }).click();
  await expect(page.getByRole('heading', { level: 1, name: PROGRAMME })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Published' }).first()).toBeVisible();
  expect(mentor.length).toBeGreaterThan(0);

  // Relationships (issue 19 §2): the offer that has waited months is flagged, and a reminder is sent.
  await page.getByRole('link', { name: /^Relationships:/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Relationships' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'No answer for two weeks' }).click();
  await expect(page.getByRole('table')).toContainText('Jess Taylor with Dr Kwame Mensah');
  await page.getByRole('button', { name: /^Send a reminder\s*about Jess Taylor/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Relationships' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Back to the programme' }).click();

  // The outcomes dashboard draws its charts.
  await page.getByRole('link', { name: /^Outcomes:/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outcomes' })).toBeVisible();
  await expect(page.locator('figure.kindling-chart svg').first()).toBeVisible();
  expect(await page.locator('figure.kindling-chart svg').count()).toBeGreaterThanOrEqual(6);
  await expect(page.getByRole('heading', { name: "Training gaps that recur in mentees' goals" })).toBeVisible();
  await expectAccessible(page);
});

test('the mentee accepts her match and logs a session', async ({ page }) => {
  await signIn(page, 'mentee@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('list', { name: 'Your matches' }).getByRole('link', { name: 'Jess Taylor with Dr Kwame Mensah' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jess Taylor and Dr Kwame Mensah' })).toBeVisible();
  // Before answering she reads her mentor's profile and why they were matched.
  await expect(page.getByRole('heading', { name: 'Your mentor' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Why they were matched' })).toContainText('Goals the mentor has expertise in: leadership, quality improvement');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Accept this match' }).click();
  await expect(page.getByText('Active', { exact: true })).toBeVisible();

  await page.getByLabel('A goal you have agreed').fill('Run my first PDSA cycle on the dispensary queue');
  await page.getByRole('button', { name: 'Add the goal' }).click();
  await expect(page.getByRole('list', { name: 'Goals' })).toContainText('Run my first PDSA cycle on the dispensary queue');

  // A session dated tomorrow is refused; what was typed stays.
  const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
  const sessionForm = page.locator('form[action$="/sessions"]');
  await sessionForm.getByLabel('Day').fill(String(tomorrow.getUTCDate()));
  await sessionForm.getByLabel('Month').fill(String(tomorrow.getUTCMonth() + 1));
  await sessionForm.getByLabel('Year').fill(String(tomorrow.getUTCFullYear()));
  await page.getByLabel('Length in minutes').fill('45');
  await sessionForm.getByLabel('In person').check();
  await page.getByRole('button', { name: 'Log the session' }).click();
  await expect(page.getByRole('alert')).toContainText('The date of the session must be today or in the past');
  await expect(page.getByLabel('Length in minutes')).toHaveValue('45');
  await expectAccessible(page);

  const today = new Date();
  await sessionForm.getByLabel('Day').fill(String(today.getUTCDate()));
  await sessionForm.getByLabel('Month').fill(String(today.getUTCMonth() + 1));
  await sessionForm.getByLabel('Year').fill(String(today.getUTCFullYear()));
  await page.getByLabel('This was protected time').check();
  await page.getByRole('button', { name: 'Log the session' }).click();
  await expect(page.getByText('1 session held; 45 minutes of protected time used.')).toBeVisible();

  await page.getByLabel('Add a note').fill('Agreed to bring the queue data next time.');
  await page.getByRole('button', { name: 'Save the note' }).click();
  await expect(page.getByText('Agreed to bring the queue data next time.')).toBeVisible();
  await expectAccessible(page);

  // Plan the next meeting (issue 19 §3): 14 July next year at 10:30 UK time, which is British Summer
  // Time, so the invitation starts at 09:30 UTC. The downloaded file is read as a calendar reads it.
  const year = today.getUTCFullYear() + 1;
  const meetingForm = page.locator('form[action$="/meetings"]');
  await meetingForm.getByLabel('Day').fill('14');
  await meetingForm.getByLabel('Month').fill('7');
  await meetingForm.getByLabel('Year').fill(String(year));
  await meetingForm.getByLabel('Time (UK time, 24-hour clock)').fill('10:30');
  await meetingForm.getByLabel('Length of the meeting in minutes').fill('60');
  await meetingForm.getByLabel('In person', { exact: true }).check();
  await page.getByRole('button', { name: 'Plan the meeting' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter where you will meet');
  await expect(meetingForm.getByLabel('Time (UK time, 24-hour clock)')).toHaveValue('10:30');
  await expectAccessible(page);
  await meetingForm.getByLabel('Where (for a meeting in person)').fill('Pharmacy seminar room');
  await page.getByRole('button', { name: 'Plan the meeting' }).click();
  const planned = page.getByRole('list', { name: 'Planned meetings' });
  await expect(planned).toContainText(`14 July ${year} at 10:30am, 60 minutes, in person: Pharmacy seminar room`);
  await expectAccessible(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    planned.getByRole('link', { name: /^Add to your calendar/ }).click(),
  ]);
  const ics = fs.readFileSync(await download.path(), 'utf8');
  expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  const properties = Object.fromEntries(
    ics.replace(/\r\n /g, '').split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
  expect(properties.DTSTART).toBe(`${year}0714T093000Z`);
  expect(properties.DTEND).toBe(`${year}0714T103000Z`);
  expect(properties.SUMMARY).toBe('Mentoring: Jess Taylor and Dr Kwame Mensah');
  expect(properties.LOCATION).toBe('Pharmacy seminar room');
});

test('a space suggests mixed teams that keep apart people who already work together', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Mentoring' }).click();
  await page.getByRole('link', { name: 'Collaborative spaces' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Collaborative spaces' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Safer transfers of care between hospital and care homes' }).click();
  await expect(page.getByRole('list', { name: 'Members' })).toContainText('June (family carer), patient partner');
  await expectAccessible(page);

  await page.getByLabel('Largest team size').fill('1');
  await page.getByRole('button', { name: 'Suggest teams' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter a team size from 2 to 12');
  await page.getByLabel('Largest team size').fill('3');
  await page.getByRole('button', { name: 'Suggest teams' }).click();
  const teams = page.getByRole('region', { name: 'Suggested teams' });
  await expect(teams.getByRole('heading', { name: 'Team 1' })).toBeVisible();
  await expect(teams.getByText(/^Mix: /).first()).toBeVisible();
  await expect(teams).toContainText(/pairs who already work together/);
  await expectAccessible(page);

  await page.getByLabel('Stage', { exact: true }).selectOption('ideate');
  await page.getByLabel('Output', { exact: true }).fill('A shared medication change sheet that travels with the resident');
  await page.getByRole('button', { name: 'Add the output' }).click();
  await expect(page.getByRole('list', { name: 'Ideate outputs' })).toContainText('A shared medication change sheet');
  await expectAccessible(page);
});
