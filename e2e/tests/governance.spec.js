// Responsible risk-taking: a low-risk idea routed to a team lead and approved the same day; an AI
// triage idea that calls for the DPIA, clinical safety and fairness gates, goes to divisional
// governance, is approved with conditions, and cannot start its pilot until they are met. Every page
// visited is scanned with axe.
const { test, expect } = require('@playwright/test');
const { expectAccessible, signIn, signOut } = require('./helpers');

const menu = (page) => page.getByRole('navigation', { name: 'Menu' });

async function addRisk(page, { domain, event, consequence, likelihood }) {
  await page.getByRole('link', { name: /^Add a risk/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add a risk' })).toBeVisible();
  await expectAccessible(page);
  // Saved without scores first: every problem named, the text kept.
  await page.getByLabel('What could it harm?').selectOption(domain);
  await page.getByLabel('Cause').fill('Staff are new to the change');
  await page.getByRole('button', { name: 'Save the risk' }).click();
  await expect(page.getByRole('alert')).toContainText('Choose a consequence and a likelihood, each from 1 to 5');
  await expect(page.getByLabel('Cause')).toHaveValue('Staff are new to the change');
  await expectAccessible(page);
  await page.getByLabel('What could happen').fill(event);
  await page.locator('#consequence').fill('Harm or cost that the team can describe');
  await page.locator('#now_consequence').selectOption(String(consequence));
  await page.locator('#now_likelihood').selectOption(String(likelihood));
  await page.getByLabel('Who owns this risk').fill('Ward manager');
  await page.locator('#review_day').fill('1');
  await page.locator('#review_month').fill('6');
  await page.locator('#review_year').fill('2027');
  await page.getByRole('button', { name: 'Save the risk' }).click();
  await expect(page.getByText('The risk has been saved.')).toBeVisible();
}

async function moveStage(page, verb, reason) {
  await page.getByLabel(verb, { exact: true }).check();
  await page.getByLabel('Reason').fill(reason);
  await page.getByRole('button', { name: 'Confirm' }).click();
}

test('a clinician\'s low-risk idea goes to a team lead and is approved the same day', async ({ page }) => {
  const title = 'Hand gel at every bay entrance on Ward 7';
  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Submit an idea' }).click();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('What is the problem?').fill('Visitors walk into bays without cleaning their hands.');
  await page.getByLabel('What change do you propose?').fill('A hand gel dispenser and a sign at every bay entrance.');
  await page.getByRole('button', { name: 'Submit idea' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await moveStage(page, 'Start shaping', 'Infection prevention team agrees.');
  await expect(page.getByText('The stage has been changed')).toBeVisible();

  // Submitting before the facts and a risk are recorded is refused, with what is missing.
  await moveStage(page, 'Submit for assessment', 'Ready for a decision.');
  await expect(page.getByRole('alert')).toContainText('Not yet: Record the facts about what the initiative involves');
  await expectAccessible(page);

  await page.getByRole('link', { name: /^Risk, gates and approval/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Risk, gates and approval' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Save the facts' }).click();
  await expect(page.getByText('The facts have been saved')).toBeVisible();
  await addRisk(page, { domain: 'finance', event: 'Dispensers cost more than planned', consequence: 1, likelihood: 2 });
  await expect(page.getByText('If submitted now, the decision goes to: Team lead.')).toBeVisible();
  await expect(page.locator('figure svg[role="img"]')).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('link', { name: `Back to ${title}` }).click();
  await moveStage(page, 'Submit for assessment', 'Facts and risk recorded; ready for a decision.');
  await expect(page.getByText('The stage has been changed')).toBeVisible();
  await expect(page.getByText('Waiting for a decision by team lead.')).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'approver@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Approvals' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: title }).first().click();
  await expect(page.getByText('Team lead: no rule asks for more: the highest risk scores 2, Low.')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Approve', { exact: true }).check();
  await page.getByLabel('Reason').fill('Low risk and cheap: go ahead on Ward 7.');
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.getByText('Your decision has been recorded')).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'clinician@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await expect(page.getByText('Reason: Low risk and cheap: go ahead on Ward 7.')).toBeVisible();
  // Submitted and approved on the same day (dates as the pages show them, in UK time).
  const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
  await expect(page.locator('.nhsuk-inset-text')).toContainText(`Assessment to Approved on ${today}`);
  await expect(page.getByText(`Submitted by Priya Shah (Nurse) on ${today}`)).toBeVisible();
  await expectAccessible(page);
});

test('an AI triage idea is routed to divisional governance and its pilot waits for its conditions', async ({ page }) => {
  const title = 'AI-assisted triage of dermatology referrals';
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('link', { name: /^Risk, gates and approval/ }).click();
  await page.getByLabel('It involves patients or service users directly').check();
  await page.getByLabel('It uses personal data').check();
  await page.getByLabel('It uses artificial intelligence or machine learning').check();
  await page.getByRole('button', { name: 'Save the facts' }).click();
  const gates = page.getByRole('table', { name: 'Checks and where they stand' });
  for (const gate of ['Data protection impact assessment screening', 'Clinical safety (DCB0160 hazard log)', 'AI fairness across subgroups']) {
    await expect(gates.getByRole('link', { name: gate })).toBeVisible();
  }
  await expectAccessible(page);

  await addRisk(page, { domain: 'patient-safety', event: 'An urgent referral is ranked as routine', consequence: 4, likelihood: 3 });
  await expect(page.getByText('Divisional governance: a patient safety risk scores 12, High')).toBeVisible();

  // Each gate has its own page.
  for (const gate of ['Clinical safety (DCB0160 hazard log)', 'AI fairness across subgroups', 'Data protection impact assessment screening']) {
    await gates.getByRole('link', { name: gate }).click();
    await expect(page.getByRole('heading', { level: 1, name: gate })).toBeVisible();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Back to risk, gates and approval' }).click();
  }

  // The hazard log: a hazard at Major × High blocks; re-scored with a new control it no longer does,
  // and its history says what changed.
  await gates.getByRole('link', { name: 'Clinical safety (DCB0160 hazard log)' }).click();
  await page.getByLabel('Hazard', { exact: true }).fill('Urgent lesion ranked routine');
  await page.getByLabel('Cause').fill('Poor photograph');
  await page.getByLabel('Effect on care').fill('Delayed review');
  for (const [part, severity, likelihood] of [['Initial risk', '4 Major', '5 Very high'], ['Residual risk, with the controls', '4 Major', '4 High']]) {
    const group = page.getByRole('group', { name: part });
    await group.getByLabel('Severity').selectOption({ label: severity });
    await group.getByLabel('Likelihood').selectOption({ label: likelihood });
  }
  await page.getByRole('button', { name: 'Log the hazard' }).click();
  await expect(page.getByText('(it is 4)').first()).toBeVisible();
  await page.getByRole('link', { name: /^Change or see the history/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^Change a hazard/ })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Mitigated', { exact: true }).check();
  await page.getByLabel('Controls').fill('A consultant reviews every routine ranking within 48 hours');
  await page.getByRole('group', { name: 'Residual risk, with the controls' }).getByLabel('Likelihood').selectOption({ label: '2 Low' });
  await page.getByRole('button', { name: 'Save the hazard' }).click();
  await expect(page.getByText('The hazard has been changed')).toBeVisible();
  await expect(page.getByText('(it is 4)')).toHaveCount(0);
  await expectAccessible(page);
  await page.getByRole('link', { name: /^Change or see the history/ }).click();
  await expect(page.getByText('status Open → Mitigated')).toBeVisible();
  await page.getByRole('link', { name: 'Back to the hazard log' }).click();
  await page.getByRole('link', { name: 'Back to risk, gates and approval' }).click();

  await page.getByRole('link', { name: `Back to ${title}` }).click();
  await moveStage(page, 'Submit for assessment', 'Shaped with the clinical safety officer.');
  await expect(page.getByText('Waiting for a decision by divisional governance.')).toBeVisible();
  await signOut(page);

  await signIn(page, 'approver@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('link', { name: title }).first().click();
  await expect(page.getByText('Divisional governance: a patient safety risk scores 12, High.')).toBeVisible();
  await page.getByLabel('Approve with conditions', { exact: true }).check();
  await page.getByLabel('Reason').fill('Worth testing once safety and fairness are signed off.');
  await page.getByLabel('Condition 1', { exact: true }).fill('CSO signs off the hazard log');
  await page.getByLabel('Who confirms condition 1 is met').selectOption({ label: 'The clinical safety officer' });
  await page.getByLabel('Condition 2', { exact: true }).fill('Subgroup sensitivity reported before go-live');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.getByText('Your decision has been recorded')).toBeVisible();
  await expect(page.getByText('(confirmed by the clinical safety officer)')).toBeVisible();
  await expectAccessible(page);
  await menu(page).getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('link', { name: 'How long decisions take' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Time from submission to decision' })).toBeVisible();
  await expectAccessible(page);
  await menu(page).getByRole('link', { name: 'Risks' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Risk register' })).toBeVisible();
  await expectAccessible(page);
  await signOut(page);

  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await moveStage(page, 'Start the pilot', 'Ready to go.');
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('Not yet: Condition of approval not yet met: CSO signs off the hazard log');
  await expect(summary).toContainText('Not yet: Clinical safety (DCB0160 hazard log)');
  await expect(summary).toContainText('Not yet: AI fairness across subgroups: Name the subgroups before any results are entered');
  await expect(page.getByText('Approved', { exact: true }).first()).toBeVisible();
  await expectAccessible(page);
  await expect(page.getByRole('heading', { name: 'Conditions of the approval' })).toBeVisible();
  await expect(page.getByText('(confirmed by the clinical safety officer)', { exact: true })).toBeVisible();
  await signOut(page);

  // Only the named confirmer confirms; an empty note gives the form back with its error.
  await signIn(page, 'clinical-safety-officer@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('link', { name: /^Confirm a condition/ }).click();
  await page.getByRole('button', { name: 'Confirm it is met' }).click();
  await expect(page.getByRole('alert')).toContainText('Say how the condition was met');
  await expectAccessible(page);
  await page.getByLabel('How was this condition met?').fill('Hazard log reviewed with the team');
  await page.getByRole('button', { name: 'Confirm it is met' }).click();
  await expect(page.getByText('The condition is marked as met.')).toBeVisible();
  await signOut(page);

  // Unticking "AI" after the decision is a material change: the decision is reopened.
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('link', { name: /^Risk, gates and approval/ }).click();
  await page.getByLabel('It uses artificial intelligence or machine learning').uncheck();
  await page.getByRole('button', { name: 'Save the facts' }).click();
  await expect(page.getByText('The decision has been reopened')).toBeVisible();
  await expectAccessible(page);
  await signOut(page);
  await signIn(page, 'approver@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('link', { name: title }).first().click();
  await expect(page.getByText('The AI fairness across subgroups gate no longer applies')).toBeVisible();
  await expectAccessible(page);
});

test('an administrator sees the policy pack and a broken pack is refused', async ({ page }) => {
  await signIn(page, 'admin@demo.kindling.test');
  await page.goto('/admin/policy');
  await expect(page.getByRole('heading', { level: 1, name: 'Policy pack' })).toBeVisible();
  await expectAccessible(page);
  const pack = page.getByLabel('Policy pack (TOML)');
  const text = await pack.inputValue();
  await pack.fill(text.replace('min = 15\nmax = 25', 'min = 16\nmax = 25'));
  await page.getByRole('button', { name: 'Check and put in force' }).click();
  await expect(page.getByRole('alert')).toContainText('risk.bands: no band covers the score 15');
  await expectAccessible(page);
});

test('a risk is escalated to the corporate register, worked down and closed; an equality assessment is recorded', async ({ page }) => {
  const title = 'Well-being huddles after difficult shifts';
  await signIn(page, 'improvement-lead@demo.kindling.test');
  await menu(page).getByRole('link', { name: 'Initiatives' }).click();
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('link', { name: /^Risk, gates and approval/ }).click();

  // 4 × 4 = 16 is on the corporate register: it needs a named executive owner.
  await page.getByRole('link', { name: /^Add a risk/ }).click();
  await page.getByLabel('What could it harm?').selectOption('workforce');
  await page.getByLabel('Cause').fill('Huddles run past the end of the shift');
  await page.getByLabel('What could happen').fill('Staff miss their transport home');
  await page.locator('#consequence').fill('Fatigue and sickness absence');
  await page.locator('#now_consequence').selectOption('4');
  await page.locator('#now_likelihood').selectOption('4');
  await page.getByLabel('Who owns this risk').fill('Ward manager');
  await page.locator('#review_day').fill('1');
  await page.locator('#review_month').fill('6');
  await page.locator('#review_year').fill('2027');
  await page.getByRole('button', { name: 'Save the risk' }).click();
  await expect(page.getByRole('alert')).toContainText('the executive who owns this risk on the corporate register');
  await expect(page.getByLabel('Cause')).toHaveValue('Huddles run past the end of the shift');
  await expectAccessible(page);
  await page.getByLabel('Executive owner (needed on the corporate register)').fill('Chief People Officer');
  await page.getByRole('button', { name: 'Save the risk' }).click();
  await expect(page.getByText('The risk has been saved.')).toBeVisible();
  await expect(page.getByText('On the corporate register; executive owner Chief People Officer')).toBeVisible();

  await menu(page).getByRole('link', { name: 'Risks' }).click();
  const corporate = page.getByRole('table', { name: 'Risks on the corporate register, worst first' });
  await expect(corporate.getByRole('row', { name: /Staff miss their transport home/ })).toContainText('Chief People Officer');
  await expectAccessible(page);

  // An action, completed with its evidence; the score comes down and the trend shows both.
  await corporate.getByRole('link', { name: /Staff miss their transport home/ }).click();
  await page.getByRole('link', { name: /^Change, complete an action or close\s*: Staff miss their transport home/ }).click();
  await page.getByLabel('Action to reduce the risk').fill('Huddles end ten minutes before handover');
  await page.getByLabel('Who will do it').fill('Practice educator');
  await page.locator('#due_day').fill('1');
  await page.locator('#due_month').fill('3');
  await page.locator('#due_year').fill('2027');
  await page.getByRole('button', { name: 'Add the action' }).click();
  await expect(page.getByText('The action has been added to the risk.')).toBeVisible();
  await page.getByRole('link', { name: /^Change, complete an action or close\s*: Staff miss their transport home/ }).click();
  await page.getByLabel('Which action').selectOption({ label: 'Huddles end ten minutes before handover' });
  await page.locator('#done_day').fill('2');
  await page.locator('#done_month').fill('11');
  await page.locator('#done_year').fill('2026');
  await page.getByLabel('What shows it was done').fill('Rota changed; four weeks of finish times audited');
  await page.getByRole('button', { name: 'Record as done' }).click();
  await expect(page.getByText('The action is recorded as completed, with its evidence.')).toBeVisible();
  await expect(page.getByRole('cell', { name: '2 November 2026: Rota changed; four weeks of finish times audited' })).toBeVisible();
  await expectAccessible(page);
  await page.locator('#now_likelihood').selectOption('2');
  await page.getByRole('button', { name: 'Save the risk' }).click();
  await page.getByRole('link', { name: /^Change, complete an action or close\s*: Staff miss their transport home/ }).click();
  await expect(page.getByRole('img', { name: /Score over time/ })).toBeVisible();
  await page.getByRole('button', { name: 'Close the risk' }).click();
  await expect(page.getByRole('alert')).toContainText('why the risk can be closed');
  await expectAccessible(page);
  await page.getByLabel('Why can it be closed?').fill('Huddles now end before handover; no late finishes in four weeks.');
  await page.getByRole('button', { name: 'Close the risk' }).click();
  await expect(page.getByText('The risk has been closed.')).toBeVisible();
  await expect(page.getByText('Closed: Huddles now end before handover; no late finishes in four weeks.')).toBeVisible();
  await expectAccessible(page);

  // A change of access calls for an equality and health inequalities impact assessment.
  await page.getByLabel('It changes who can use a service, or how people reach it').check();
  await page.getByRole('button', { name: 'Save the facts' }).click();
  const gates = page.getByRole('table', { name: 'Checks and where they stand' });
  await gates.getByRole('link', { name: 'Equality and health inequalities impact assessment' }).click();
  await expectAccessible(page);
  await page.getByLabel('Age', { exact: true }).check();
  await page.getByRole('button', { name: 'Save the assessment' }).click();
  await expect(page.getByRole('alert')).toContainText('how the change could affect each group differently');
  await expect(page.getByLabel('Age', { exact: true })).toBeChecked();
  await expectAccessible(page);
  await page.getByLabel('How could it affect them, for better or worse?').fill('Part-time and older staff leave earlier and miss huddles.');
  await page.getByLabel('What will you do about it, and how will the measures show it?').fill('A mid-shift huddle too; attendance by contract type.');
  await page.getByRole('button', { name: 'Save the assessment' }).click();
  await expect(page.getByText('1 group could be affected differently')).toBeVisible();
  await expectAccessible(page);
});
