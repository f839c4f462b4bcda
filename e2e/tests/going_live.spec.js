// Going live from an empty installation, as a trust would: `kindling setup`, the administrator chooses a
// password and enrols two-factor sign-in (the codes computed here as a phone would), adds a site and
// invites a clinician; the clinician opens the emailed link, sets a password and lands on the home page;
// the administrator deactivates them, and their open session and API token stop working at once.
// Every page visited is scanned with axe.
const { execFileSync } = require('node:child_process');
const { test, expect } = require('@playwright/test');
const { expectAccessible, newestEmailTo, totpCode } = require('./helpers');

const base = process.env.KINDLING_E2E_LIVE_URL;
const mailDir = process.env.KINDLING_E2E_LIVE_MAIL;

function linkIn(email) {
  const match = email && email.match(new RegExp(`${base.replace(/[.:/]/g, (c) => `\\${c}`)}/set-password\\?token=[0-9a-f]{64}`));
  return match ? match[0] : null;
}

test('a trust goes live: setup, two-factor, a site, an invitation, and a deactivation that takes effect at once', async ({ browser, request }) => {
  // The home page of the empty installation says how to set up.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await admin.goto(`${base}/`);
  await expect(admin.getByRole('heading', { level: 1, name: 'Set up Kindling' })).toBeVisible();
  await expectAccessible(admin);

  const out = execFileSync(process.env.KINDLING_E2E_BIN, [
    'setup', '--organisation', 'Northfield NHS Trust', '--kind', 'NHS trust', '--admin-email', 'ada.admin@northfield.nhs.uk',
    '--admin-name', 'Ada Admin', '--data-dir', process.env.KINDLING_E2E_LIVE_DATA, '--public-url', base,
  ], { encoding: 'utf8' });
  const setupLink = out.split('\n').find((l) => l.startsWith(`${base}/set-password?token=`));
  expect(setupLink).toBeTruthy();

  await admin.goto(setupLink);
  await expect(admin.getByRole('heading', { level: 1, name: 'Set up your Kindling account' })).toBeVisible();
  await expectAccessible(admin);
  await admin.getByLabel('New password').fill('password1234');
  await admin.getByLabel('Type the password again').fill('password1234');
  await admin.getByRole('button', { name: 'Save password' }).click();
  await expect(admin.getByRole('alert')).toContainText('one of the most commonly used');
  await expectAccessible(admin);
  await admin.getByLabel('New password').fill('lantern orchard tuesday');
  await admin.getByLabel('Type the password again').fill('lantern orchard tuesday');
  await admin.getByRole('button', { name: 'Save password' }).click();

  // Administrators must enrol an authenticator.
  await expect(admin.getByRole('heading', { level: 1, name: 'Set up two-factor sign-in' })).toBeVisible();
  await expect(admin.getByRole('img', { name: 'QR code to scan with your authenticator app' })).toBeVisible();
  await expectAccessible(admin);
  const secret = await admin.locator('input[name="secret"]').inputValue();
  await admin.getByLabel('Code from the app').fill(totpCode(secret));
  await admin.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Save your recovery codes' })).toBeVisible();
  await expect(admin.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await expectAccessible(admin);
  await admin.getByRole('button', { name: /I have saved my codes/ }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Northfield NHS Trust' })).toBeVisible();
  await expectAccessible(admin);

  // A site.
  await admin.getByRole('link', { name: 'Administration' }).click();
  await expectAccessible(admin);
  await admin.getByRole('link', { name: 'Organisation and sites' }).click();
  await admin.getByLabel('Site name').fill('Northfield General Hospital');
  await admin.getByLabel('Care setting').selectOption('acute');
  await admin.getByLabel('Units (optional)').fill('Ward 7\nEmergency Department');
  await admin.getByRole('button', { name: 'Add site' }).click();
  await expect(admin.getByRole('alert')).toContainText('The site has been added');
  await expect(admin.getByRole('cell', { name: 'Emergency Department, Ward 7' })).toBeVisible();
  await expectAccessible(admin);

  // An invitation.
  await admin.goto(`${base}/admin/people`);
  await expectAccessible(admin);
  await admin.getByRole('button', { name: 'Invite a person' }).click();
  await expectAccessible(admin);
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await expect(admin.getByRole('alert')).toContainText('Enter their full name');
  await expectAccessible(admin);
  await admin.getByLabel('Full name').fill('Chinedu Obi');
  await admin.getByLabel('Work email address').fill('chinedu.obi@northfield.nhs.uk');
  await admin.getByLabel('Profession').selectOption('nurse');
  await admin.getByLabel('Site (optional)').selectOption({ label: 'Northfield General Hospital' });
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await expect(admin.getByRole('alert')).toContainText('Invitation sent to chinedu.obi@northfield.nhs.uk');
  await expectAccessible(admin);
  const personPage = admin.url();

  // The clinician opens the emailed link.
  const clinicianContext = await browser.newContext();
  const clinician = await clinicianContext.newPage();
  const link = linkIn(newestEmailTo(mailDir, 'chinedu.obi@northfield.nhs.uk'));
  expect(link).toBeTruthy();
  await clinician.goto(link);
  await expect(clinician.getByText('Welcome, Chinedu Obi')).toBeVisible();
  await expectAccessible(clinician);
  await clinician.getByLabel('New password').fill('heron lamp cobble');
  await clinician.getByLabel('Type the password again').fill('heron lamp cobble');
  await clinician.getByRole('button', { name: 'Save password' }).click();
  await expect(clinician.getByText('Your account is ready')).toBeVisible();
  await expect(clinician.getByRole('heading', { level: 1, name: 'Northfield NHS Trust' })).toBeVisible();
  await expectAccessible(clinician);

  // The clinician makes an API token.
  await clinician.goto(`${base}/account`);
  await expectAccessible(clinician);
  await clinician.getByLabel('Label for a new token').fill('My script');
  await clinician.getByRole('button', { name: 'Create token' }).click();
  const token = (await clinician.locator('code.kindling-token').textContent()).trim();
  expect((await request.get(`${base}/api/v1/initiatives`, { headers: { authorization: `Bearer ${token}` } })).status()).toBe(200);

  // Deactivated: session and token stop at once.
  await admin.goto(personPage);
  await admin.getByRole('button', { name: 'Deactivate Chinedu Obi' }).click();
  await expect(admin.getByRole('alert')).toContainText('Chinedu Obi has been deactivated');
  await expectAccessible(admin);
  await clinician.goto(`${base}/initiatives`);
  await expect(clinician.getByRole('heading', { level: 1, name: 'Sign in to Kindling' })).toBeVisible();
  expect((await request.get(`${base}/api/v1/initiatives`, { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
  await clinicianContext.close();
});
