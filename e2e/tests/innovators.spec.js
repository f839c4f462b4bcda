// Helping innovators: a clinician builds a driver diagram with two drivers and three change ideas,
// links a PDSA cycle and sees the tested idea marked; asks for QI coaching, which the improvement
// lead answers; writes a public page that the lead reviews and publishes, which a signed-out visitor
// reads and gives feedback on. The generated committee paper, appraisal record and a skills pathway
// template are opened too. Every page is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });
const FALLS = 'Falls prevention: bay tagging on Ward 7';

async function openFalls(page) {
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: FALLS }).click();
}

test('a clinician builds a driver diagram and sees the idea its PDSA cycle tested marked', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await openFalls(page);
  await page.getByRole('link', { name: `Driver diagram for ${FALLS}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Driver diagram' })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Add a primary driver').fill('Staff are present where falls happen');
  await page.getByRole('button', { name: 'Add a primary driver' }).click();
  await page.getByLabel('Add a primary driver').fill('Patients at risk are known to every shift');
  await page.getByRole('button', { name: 'Add a primary driver' }).click();
  const under = (driver) => `Add a change idea under ${driver}`;
  await page.getByLabel(under('Staff are present where falls happen')).fill('Tag one member of staff into each high-risk bay');
  await page.getByRole('button', { name: under('Staff are present where falls happen') }).click();
  await page.getByLabel(under('Staff are present where falls happen')).fill('A break rota that keeps each bay covered');
  await page.getByRole('button', { name: under('Staff are present where falls happen') }).click();
  await page.getByLabel(under('Patients at risk are known to every shift')).fill('Falls risk shown on the ward whiteboard');
  await page.getByRole('button', { name: under('Patients at risk are known to every shift') }).click();
  await expect(page.getByText('0 of 3 change ideas tested.')).toBeVisible();
  await expectAccessible(page);

  const idea = 'Tag one member of staff into each high-risk bay';
  await page.getByLabel(`Link a PDSA cycle that tests “${idea}”`).selectOption({ label: 'Cycle 1: Tag one member of staff into each high-risk bay, with a handover before leaving' });
  await page.getByRole('button', { name: `Link to ${idea}` }).click();
  await expect(page.getByText('1 of 3 change ideas tested.')).toBeVisible();
  // The change idea's own item (the innermost list item naming it) carries the mark.
  const item = page.locator('li[id^="node-"]').filter({ has: page.getByText(idea, { exact: true }) }).last();
  await expect(item.getByText('Tested: adapt', { exact: true })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Driver diagram' })).toBeVisible();
  await expectAccessible(page);
});

test('a clinician asks for QI coaching and sees the lead\'s answer', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await openFalls(page);
  await page.getByRole('link', { name: `Ask for help with ${FALLS}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Help for this initiative' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('What help do you need?').selectOption({ label: 'QI coaching (Quality improvement coaching, replies within 5 days)' });
  await page.getByLabel('Tell them what you need').fill('Help reading the falls run chart after the tagging cycle.');
  await page.getByRole('button', { name: 'Ask for help' }).click();
  await expect(page.getByText('Waiting for a reply')).toBeVisible();
  await signOut(page);

  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Support' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Support for innovators' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: `QI coaching: ${FALLS}` }).click();
  await expectAccessible(page);
  await page.getByLabel('Accept: we will help').check();
  await page.getByLabel('Note for the team').fill('I can meet the team on Tuesday at 2pm.');
  await page.getByRole('button', { name: 'Send the answer' }).click();
  await expect(page.getByText('I can meet the team on Tuesday at 2pm.')).toBeVisible();
  await page.getByRole('link', { name: 'Back to support for innovators' }).click();
  await page.getByRole('button', { name: 'Publish a support offer' }).click();
  await page.getByRole('button', { name: 'Publish the offer' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter a response target from 1 to 90 days');
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Back to support for innovators' }).click();
  await page.getByRole('link', { name: 'How quickly requests are answered' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'How quickly requests for help are answered' })).toBeVisible();
  await expectAccessible(page);
  // The paper for the decision on this initiative, generated from its records.
  await openFalls(page);
  await page.getByRole('link', { name: `Risk, gates and approval for ${FALLS}` }).click();
  await page.getByRole('link', { name: /^The request to / }).first().click();
  await page.getByRole('link', { name: 'The paper for this decision' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Decision sought' })).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'clinician@demo.kindling.test');
  await openFalls(page);
  await page.getByRole('link', { name: `Ask for help with ${FALLS}` }).click();
  await expect(page.getByText('Accepted')).toBeVisible();
  await expect(page.getByText('Answer: I can meet the team on Tuesday at 2pm.')).toBeVisible();
  // Their appraisal record and a pathway template filled from the initiative.
  await page.goto('/pathways');
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Communicating your idea' }).click();
  await expectAccessible(page);
  await page.getByRole('link', { name: /^Open the elevator pitch template/ }).click();
  await page.getByLabel('Fill it from').selectOption({ label: FALLS });
  await page.getByRole('button', { name: 'Fill the template' }).click();
  await expect(page.getByText('Most inpatient falls on Ward 7 happen in bays when no member of staff is present.', { exact: false })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: /^Priya Shah/ }).click();
  await page.goto('/organisation');
  await page.getByRole('list', { name: 'People' }).getByRole('link', { name: 'Priya Shah' }).click();
  await page.getByRole('link', { name: 'Appraisal record' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Appraisal record: Priya Shah' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Download as PDF' })).toBeVisible();
  await expectAccessible(page);
});

test('a public page is reviewed, published, read by a visitor and answered', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await openFalls(page);
  await page.getByRole('link', { name: `Public page about ${FALLS}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Public page' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('What is changing').fill('A member of staff now stays in each bay where patients are likely to fall.');
  await page.getByLabel('Why we are making this change').fill('Most falls on our ward happened when nobody was in the bay.');
  await page.getByLabel('How it helps you').fill('Someone is there to help you get up safely.');
  await page.getByLabel('What we have learned so far').fill('Fewer patients fell. We now plan breaks so the bay is never empty.');
  await page.getByLabel('How to tell us what you think').fill('Scan the code on the poster and tell us what you think.');
  await page.getByRole('button', { name: 'Check readability' }).click();
  await expect(page.getByRole('heading', { name: /^Reading age about \d+$/ })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByText('The page has been sent for review.')).toBeVisible();
  await signOut(page);

  await signIn(page, 'improvement-lead@demo.kindling.test');
  await openFalls(page);
  await page.getByRole('link', { name: `Public page about ${FALLS}` }).click();
  await page.getByRole('button', { name: 'Publish the page' }).click();
  await expect(page.getByText('The page is public')).toBeVisible();
  await expectAccessible(page);
  const link = await page.getByRole('link', { name: 'the public feedback page' }).getAttribute('href');
  await signOut(page);

  // A visitor without an account, as if from the QR code.
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: FALLS })).toBeVisible();
  await expect(page.getByText('We now plan breaks so the bay is never empty.')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('A patient').check();
  await page.getByLabel('Very good').check();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you' })).toBeVisible();
  await expectAccessible(page);

  // A new version waits for review while the published one stays live; the reviewer sends it back.
  await signIn(page, 'clinician@demo.kindling.test');
  await openFalls(page);
  await page.getByRole('link', { name: `Public page about ${FALLS}` }).click();
  await page.getByLabel('What we have learned so far').fill('Fewer patients fell. Night staff now plan breaks too.');
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByText('the published version stays live until then')).toBeVisible();
  await signOut(page);
  await page.goto(link);
  await expect(page.getByText('We now plan breaks so the bay is never empty.')).toBeVisible();

  await signIn(page, 'improvement-lead@demo.kindling.test');
  await page.goto('/notifications');
  // The newest of the two (the first submission waited too).
  await page.getByRole('link', { name: `A public page waits for your review: ${FALLS}` }).first().click();
  await page.getByText('The published version', { exact: true }).click();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Send back to the team' }).click();
  await expect(page.getByRole('link', { name: 'Enter what the team should change' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('What should the team change?').fill('Say which nights: patients will want to know.');
  await page.getByRole('button', { name: 'Send back to the team' }).click();
  await expect(page.getByText('The team has your comment.')).toBeVisible();
  await expect(page.getByText('Say which nights: patients will want to know.')).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
  await page.goto(link);
  await expect(page.getByText('We now plan breaks so the bay is never empty.')).toBeVisible();
});

test('someone without an initiative asks the directory for help and reads the answer', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Support' }).click();
  await page.getByRole('link', { name: /^Ask for this help\s*: QI coaching$/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ask for help' })).toBeVisible();
  await page.getByRole('button', { name: 'Send the request' }).click();
  await expect(page.getByRole('alert')).toContainText('what help you need');
  await expectAccessible(page);
  await page.getByLabel('What help do you need?').fill('I have an idea about noise at night but do not know where to start.');
  await page.getByRole('button', { name: 'Send the request' }).click();
  await expect(page.getByText('Your request has been sent')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Your requests' })).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Support' }).click();
  await page.getByRole('link', { name: 'QI coaching: before an initiative' }).click();
  await expect(page.getByText('Asked before there was an initiative')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Accept: we will help').check();
  await page.getByLabel('Note for the team').fill('Come to the Tuesday QI clinic.');
  await page.getByRole('button', { name: 'Send the answer' }).click();
  await signOut(page);

  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Support' }).click();
  await expect(page.getByText('Come to the Tuesday QI clinic.')).toBeVisible();
});
