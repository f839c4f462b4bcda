// The foundation journeys: sign in, see the organisation's initiatives, submit an idea (first with
// mistakes), move it through a stage, and sign out. Every page visited is scanned with axe.
const { test, expect } = require('@playwright/test');
const { PASSWORD, expectAccessible, signIn, signOut } = require('./helpers');

test('a clinician signs in, submits an idea, moves it to shaping and signs out', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');

  await expect(page.getByRole('heading', { level: 1, name: 'Northfield Teaching Hospitals NHS Foundation Trust' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Well-being huddles after difficult shifts' })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Initiatives' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Initiatives' })).toBeVisible();
  // The demo's twelve, and any that journeys run before this one started (a challenge's idea becomes
  // an initiative of its author's organisation): the piloting filter below is exact.
  await expect(page.getByRole('status')).toContainText(/^(1[2-9]|[2-9]\d) initiatives found/);
  await expect(page.getByRole('link', { name: 'Well-being huddles after difficult shifts' })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Stage').selectOption('piloting');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByRole('status')).toContainText('2 initiatives found');
  await expectAccessible(page);

  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Submit an idea' }).click();
  await expectAccessible(page);
  // A first attempt with the title missing and an impossible date: errors, and nothing typed is lost.
  await page.getByLabel('What is the problem?').fill('Call bells go unanswered at shift change.');
  await page.getByLabel('What change do you propose?').fill('A named call-bell responder for the 20 minutes of handover.');
  await page.getByLabel('Day').fill('31');
  await page.getByLabel('Month').fill('2');
  await page.getByLabel('Year').fill('2027');
  await page.getByRole('button', { name: 'Submit idea' }).click();
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('There is a problem');
  await expect(summary.getByRole('link', { name: 'Enter a title' })).toBeVisible();
  await expect(summary.getByRole('link', { name: 'The date must be a real date' })).toBeVisible();
  await expect(page.getByLabel('What is the problem?')).toHaveValue('Call bells go unanswered at shift change.');
  await expect(page).toHaveTitle(/^Error: /);
  await expectAccessible(page);

  await page.getByLabel('Title', { exact: true }).fill('Named call-bell responder at handover');
  await page.getByLabel('Day').fill('28');
  await page.getByLabel('Tags (optional)').fill('call bells, patient safety');
  await page.getByRole('button', { name: 'Submit idea' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Named call-bell responder at handover' })).toBeVisible();
  await expect(page.getByText('Your idea has been submitted')).toBeVisible();
  await expect(page.getByText('28 February 2027')).toBeVisible();
  await expectAccessible(page);

  // Moving a stage needs a reason, which the submitter always sees afterwards.
  await page.getByLabel('Start shaping').check();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter the reason for this decision');
  await expectAccessible(page);
  await page.getByLabel('Reason').fill('Ward manager supports it; ready to agree the aim.');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('The stage has been changed')).toBeVisible();
  await expect(page.getByText('Idea to Shaping', { exact: false }).first()).toBeVisible();
  await expect(page.getByText('Reason: Ward manager supports it; ready to agree the aim.')).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('link', { name: 'Priya Shah' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await expectAccessible(page);

  await signOut(page);
  await page.goto('/initiatives');
  await expect(page).toHaveURL(/\/sign-in\?next=\/initiatives/);
});

test('a wrong password is refused without saying which part was wrong', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill('approver@demo.kindling.test');
  await page.getByLabel('Password').fill(PASSWORD + '-wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter a correct email address and password');
  await expect(page.getByLabel('Email address')).toHaveValue('approver@demo.kindling.test');
  await expectAccessible(page);
});

test('an approver approves an idea waiting in assessment', async ({ page }) => {
  await signIn(page, 'approver@demo.kindling.test');
  await page.goto('/initiatives?stage=assessment');
  await page.getByRole('link', { name: 'Ward-round checklist to reduce missed insulin doses' }).click();
  await expectAccessible(page);
  // The decision is taken on the approval request, which the route's approvers see in their queue.
  await page.getByRole('link', { name: /^The approval request/ }).click();
  await expect(page.getByText('Service manager: a patient safety risk scores 4, Moderate.')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Approve', { exact: true }).check();
  await page.getByLabel('Reason').fill('Low risk, clear measures: approved for one ward.');
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.getByText('Your decision has been recorded')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'The initiative' }).click();
  await expect(page.getByText('Assessment to Approved').first()).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
});

test('an unknown page is a clear, accessible 404', async ({ page }) => {
  await signIn(page, 'clinician@demo.kindling.test');
  const response = await page.goto('/initiatives/999999');
  expect(response.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expectAccessible(page);
});
