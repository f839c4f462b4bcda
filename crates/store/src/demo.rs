//! The demo hub: two organisations with sites and units, one person per role, and a dozen initiatives
//! spread across the stages, each moved there through the real state machine so that its history and
//! audit trail are exactly what the application itself would have written.

use kindling_domain::ids::{OrganisationId, SiteId, UserId};
use kindling_domain::initiatives::{Aim, CivilDate, InitiativeDraft, Stage, Standing, Tag};
use kindling_domain::people::{CareSetting, Email, Profession, Role};

mod evidence;
mod governance;
mod mentoring;
mod packages;
mod spread;
mod support;

use sqlx::Row;

use crate::secrets::hash_password;
use crate::users::NewUser;
use crate::{Actor, Db, StoreError, initiatives, orgs, users};

/// The password of every demo account unless `KINDLING_DEMO_PASSWORD` says otherwise.
pub const DEFAULT_PASSWORD: &str = "kindling-demo";

/// The domain of the demo accounts: `<role>@demo.kindling.test`.
pub const EMAIL_DOMAIN: &str = "demo.kindling.test";

/// What the seed created, for the start-up message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seeded {
    pub organisations: usize,
    pub users: usize,
    pub initiatives: usize,
}

struct Person {
    email: String,
    name: &'static str,
    profession: Profession,
    roles: &'static [Role],
}

/// Seeds the demo hub if the database holds no organisation yet; returns `None` if it already had data.
/// Seeds the demonstration hub unless the database holds an organisation. Several nodes started at once
/// on one PostgreSQL database seed it once: the check and the seed share one transaction, serialised by
/// the same advisory lock as `kindling setup`.
pub async fn seed_if_empty(db: &Db, password: &str, now_ms: i64) -> Result<Option<Seeded>, StoreError> {
    if orgs::count_organisations(db).await? > 0 {
        return Ok(None);
    }
    seed(db, password, now_ms).await
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

async fn seed(db: &Db, password: &str, now_ms: i64) -> Result<Option<Seeded>, StoreError> {
    let mut tx = db.write().await?;
    if db.dialect() == crate::Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(4201, 2)").execute(&mut *tx).await?;
    }
    let existing: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM organisations").fetch_one(&mut *tx).await?.try_get("n")?;
    if existing > 0 {
        return Ok(None);
    }
    orgs::set_setting(&mut tx, "hub.name", "Kindling demonstration hub").await?;
    let start = now_ms - 120 * DAY_MS;

    let northfield =
        orgs::create_organisation(&mut tx, "Northfield Teaching Hospitals NHS Foundation Trust", "NHS trust", start)
            .await?;
    let general = orgs::create_site(&mut tx, northfield, "Northfield General Hospital").await?;
    let community = orgs::create_site(&mut tx, northfield, "Eastbrook Community Hospital").await?;
    let ward7 = orgs::create_unit(&mut tx, general, "Ward 7 (Acute Medicine)").await?;
    orgs::create_unit(&mut tx, general, "Emergency Department").await?;
    orgs::create_unit(&mut tx, general, "Pharmacy").await?;
    orgs::create_unit(&mut tx, general, "Outpatients").await?;
    orgs::create_unit(&mut tx, community, "Rowan Ward (Rehabilitation)").await?;

    let riverside = orgs::create_organisation(&mut tx, "Riverside Community Care", "Care provider", start).await?;
    let riverside_home = orgs::create_site(&mut tx, riverside, "Riverside House Care Home").await?;
    let riverside_unit = orgs::create_unit(&mut tx, riverside_home, "Residential floor").await?;
    for (site, setting) in
        [(general, CareSetting::Acute), (community, CareSetting::Community), (riverside_home, CareSetting::SocialCare)]
    {
        orgs::set_site_setting(&mut tx, site, setting).await?;
    }

    let role_email = |role: Role| format!("{}@{EMAIL_DOMAIN}", role.slug());
    let northfield_people = [
        Person {
            email: role_email(Role::Admin),
            name: "Alex Morgan",
            profession: Profession::Manager,
            roles: &[Role::Admin],
        },
        Person {
            email: role_email(Role::Clinician),
            name: "Priya Shah",
            profession: Profession::Nurse,
            roles: &[Role::Clinician],
        },
        Person {
            email: role_email(Role::ImprovementLead),
            name: "Tom Okafor",
            profession: Profession::AlliedHealthProfessional,
            roles: &[Role::ImprovementLead],
        },
        Person {
            email: role_email(Role::Approver),
            name: "Dr Helen Price",
            profession: Profession::Doctor,
            roles: &[Role::Approver],
        },
        Person {
            email: role_email(Role::Executive),
            name: "Margaret Ellis",
            profession: Profession::Manager,
            roles: &[Role::Executive],
        },
        Person {
            email: role_email(Role::ProgrammeLead),
            name: "Sam Reid",
            profession: Profession::Nurse,
            roles: &[Role::ProgrammeLead],
        },
        Person {
            email: role_email(Role::Mentor),
            name: "Dr Kwame Mensah",
            profession: Profession::Doctor,
            roles: &[Role::Mentor],
        },
        Person {
            email: role_email(Role::Mentee),
            name: "Jess Taylor",
            profession: Profession::Pharmacist,
            roles: &[Role::Mentee],
        },
        Person {
            email: role_email(Role::ClinicalSafetyOfficer),
            name: "Dr Nadia Hussain",
            profession: Profession::Doctor,
            roles: &[Role::ClinicalSafetyOfficer],
        },
        Person {
            email: role_email(Role::DataProtectionOfficer),
            name: "Owen Fletcher",
            profession: Profession::Manager,
            roles: &[Role::DataProtectionOfficer],
        },
        Person {
            email: role_email(Role::ResearchOffice),
            name: "Dr Ruth Adeyemi",
            profession: Profession::HealthcareScientist,
            roles: &[Role::ResearchOffice],
        },
        Person {
            email: format!("pharmacist@{EMAIL_DOMAIN}"),
            name: "Aisha Rahman",
            profession: Profession::Pharmacist,
            roles: &[Role::Clinician],
        },
    ];
    let riverside_people = [
        Person {
            email: format!("admin@riverside.{EMAIL_DOMAIN}"),
            name: "Chris Walker",
            profession: Profession::Manager,
            roles: &[Role::Admin, Role::Approver],
        },
        Person {
            email: format!("carer@riverside.{EMAIL_DOMAIN}"),
            name: "Dani Lewis",
            profession: Profession::CareWorker,
            roles: &[Role::Clinician],
        },
    ];
    let mut ids = Vec::new();
    for (people, organisation, unit) in
        [(&northfield_people[..], northfield, ward7), (&riverside_people[..], riverside, riverside_unit)]
    {
        for person in people {
            let email = Email::parse(&person.email).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let hash = hash_password(password);
            let new = NewUser {
                email: &email,
                name: person.name,
                profession: person.profession,
                unit: Some(unit),
                site: None,
                password_hash: &hash,
                status: kindling_domain::accounts::AccountStatus::Active,
            };
            let id = users::create(&mut tx, &new, start).await?;
            for role in person.roles {
                users::grant_role(&mut tx, id, organisation, *role).await?;
            }
            ids.push((person.email.clone(), id, person.roles));
        }
    }
    // A patient partner's limited account (no unit, no site: not on the staff), which the demo space
    // takes part in (see `mentoring::seed`).
    let partner_email = Email::parse(&role_email(Role::Partner)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let partner_hash = hash_password(password);
    let partner = NewUser {
        email: &partner_email,
        name: "Tom (former patient)",
        profession: Profession::PatientPartner,
        unit: None,
        site: None,
        password_hash: &partner_hash,
        status: kindling_domain::accounts::AccountStatus::Active,
    };
    let partner = users::create(&mut tx, &partner, start).await?;
    users::grant_role(&mut tx, partner, northfield, Role::Partner).await?;
    ids.push((role_email(Role::Partner), partner, &[Role::Partner]));
    let user = |email: &str| -> Result<(UserId, &'static [Role]), StoreError> {
        ids.iter()
            .find(|(e, _, _)| e == email)
            .map(|(_, id, roles)| (*id, *roles))
            .ok_or_else(|| StoreError::Corrupt(format!("demo user {email} missing")))
    };
    // The demo administrator runs the hub (adds organisations) and also sits on Riverside's board, so the
    // organisation switcher has something to switch between.
    let admin = user(&role_email(Role::Admin))?.0;
    sqlx::query("UPDATE users SET hub_admin = 1 WHERE id = $1").bind(admin.get()).execute(&mut *tx).await?;
    users::grant_role(&mut tx, admin, riverside, Role::Executive).await?;
    // Every demo account shares one published password, so a second factor would protect nothing; the
    // demo organisations say so on their administration page.
    sqlx::query("UPDATE organisations SET two_factor = 'nobody'").execute(&mut *tx).await?;
    let clinician = role_email(Role::Clinician);
    let lead = role_email(Role::ImprovementLead);
    let pharmacist = format!("pharmacist@{EMAIL_DOMAIN}");
    let carer = format!("carer@riverside.{EMAIL_DOMAIN}");

    let stories: Vec<Story> = vec![
        story(
            northfield,
            Some(general),
            &clinician,
            Stage::Piloting,
            "Discharge letters drafted at the board round",
            "Discharge letters are finished hours after patients are medically fit, so beds and transport wait.",
            "Junior doctors draft the discharge letter during the morning board round, with the nurse in charge confirming medicines.",
            (
                "Median time from medically fit to letter complete",
                "from 4.5 hours to under 2 hours",
                (2027, 3, 31),
                "adult inpatients on Ward 7",
            ),
            &["discharge", "flow"],
        ),
        story(
            northfield,
            Some(general),
            &clinician,
            Stage::Evaluating,
            "Falls prevention: bay tagging on Ward 7",
            "Most inpatient falls on Ward 7 happen in bays when no member of staff is present.",
            "One member of staff is always 'tagged' into each bay of high-risk patients and hands over before leaving.",
            ("Inpatient falls per 1,000 bed days", "a 25% reduction", (2027, 1, 31), "patients at high risk of falls"),
            &["falls", "patient safety"],
        ),
        story(
            northfield,
            Some(general),
            &lead,
            Stage::Adopted,
            "Sepsis screening prompt at triage",
            "Screening for sepsis at triage is inconsistent, and antibiotics are sometimes given late.",
            "Add the sepsis screening prompt to the triage form, with a coloured flag for the nurse in charge.",
            (
                "Antibiotics within one hour for red-flag sepsis",
                "95% of eligible patients",
                (2026, 12, 31),
                "adults attending ED",
            ),
            &["sepsis", "emergency care"],
        ),
        story(
            northfield,
            Some(general),
            &clinician,
            Stage::Assessment,
            "Ward-round checklist to reduce missed insulin doses",
            "Insulin doses are missed or delayed when patients are off the ward for tests.",
            "A short checklist at the ward round flags patients on insulin who will be off the ward at a dose time.",
            ("Missed or delayed insulin doses", "halve the number", (2027, 6, 30), "inpatients with diabetes"),
            &["diabetes", "medicines safety"],
        ),
        story(
            northfield,
            Some(community),
            &lead,
            Stage::Approved,
            "Virtual ward for frail older people",
            "Frail older people are admitted for monitoring that could safely happen at home.",
            "A consultant-led virtual ward with daily calls and home visits for people who would otherwise be admitted.",
            ("Admissions avoided", "20 a month", (2027, 9, 30), "people aged 75 and over"),
            &["frailty", "virtual wards"],
        ),
        story(
            northfield,
            Some(general),
            &lead,
            Stage::Shaping,
            "AI-assisted triage of dermatology referrals",
            "Dermatology referrals wait weeks for a consultant to read them and decide urgency.",
            "A machine-learning tool ranks referrals with photographs by urgency for consultant review.",
            (
                "Days from referral to triage decision",
                "from 12 days to 2",
                (2027, 12, 31),
                "people referred to dermatology",
            ),
            &["ai", "outpatients"],
        ),
        story(
            northfield,
            Some(community),
            &clinician,
            Stage::Spreading,
            "Protected mealtimes with volunteer helpers",
            "Patients who need help to eat are not always helped while their meal is hot.",
            "Protected mealtimes with trained volunteers helping patients flagged with a red tray.",
            (
                "Patients helped with their meal",
                "every patient with a red tray",
                (2026, 10, 31),
                "inpatients who need help to eat",
            ),
            &["nutrition", "volunteers"],
        ),
        story(
            northfield,
            Some(general),
            &clinician,
            Stage::Stopped,
            "Paperless handover on the electronic whiteboard",
            "Paper handover sheets are out of date by mid-shift and are a confidentiality risk.",
            "Replace the paper handover sheet with the electronic whiteboard at the nurses' station.",
            ("Handover time per shift", "10 minutes shorter", (2026, 9, 30), "nursing staff on Ward 7"),
            &["handover", "digital"],
        ),
        story(
            northfield,
            Some(general),
            &pharmacist,
            Stage::Idea,
            "Pharmacy technicians reconcile medicines in ED",
            "Medicines reconciliation for admitted patients often waits until they reach a ward.",
            "Pharmacy technicians start medicines reconciliation in ED for patients likely to be admitted.",
            ("Reconciliation within 24 hours of admission", "90%", (2027, 6, 30), "patients admitted through ED"),
            &["medicines safety", "emergency care"],
        ),
        story(
            northfield,
            None,
            &clinician,
            Stage::Idea,
            "Quiet hours at night to help patients sleep",
            "Patients tell us that noise and lights at night stop them sleeping.",
            "Quiet hours from 11pm to 6am: dimmed lights, phones on silent, observations grouped together.",
            ("Patients who say they slept well", "from 40% to 70%", (2027, 3, 31), "adult inpatients"),
            &["patient experience"],
        ),
        story(
            northfield,
            Some(community),
            &lead,
            Stage::Piloting,
            "SSKIN bundle refresh for pressure ulcers",
            "Hospital-acquired pressure ulcers have risen over the last two quarters.",
            "Refresh the SSKIN bundle with a two-hourly skin check prompt and teaching at handover.",
            ("Category 2+ pressure ulcers", "zero avoidable", (2027, 3, 31), "inpatients at risk of pressure damage"),
            &["pressure ulcers", "patient safety"],
        ),
        story(
            northfield,
            None,
            &lead,
            Stage::Evaluating,
            "Well-being huddles after difficult shifts",
            "Staff go home after distressing shifts without a chance to talk or be supported.",
            "A ten-minute facilitated huddle at the end of any shift that staff call difficult.",
            ("Staff who feel supported after a difficult shift", "from 35% to 60%", (2027, 2, 28), "ward and ED staff"),
            &["staff well-being"],
        ),
        story(
            riverside,
            Some(riverside_home),
            &carer,
            Stage::Piloting,
            "Hydration rounds in the care home",
            "Residents drink too little between meals, and urinary infections follow.",
            "Hourly hydration rounds with a choice of drinks, recorded on a simple chart.",
            ("Urinary tract infections treated", "a third fewer", (2027, 4, 30), "residents"),
            &["hydration", "care homes"],
        ),
        story(
            riverside,
            None,
            &carer,
            Stage::Idea,
            "Digital care records training for carers",
            "New carers take weeks to use the digital care record confidently.",
            "Peer trainers give each new carer two short practical sessions in their first week.",
            ("Carers confident with the record after two weeks", "90%", (2027, 1, 31), "new carers"),
            &["digital", "training"],
        ),
    ];

    let approver = role_email(Role::Approver);
    let riverside_admin = format!("admin@riverside.{EMAIL_DOMAIN}");
    let mut created = Vec::new();
    for (n, story) in stories.iter().enumerate() {
        let (submitter, submitter_roles) = user(story.submitter)?;
        let n = i64::try_from(n).unwrap_or(0);
        let mut at = start + n * 5 * DAY_MS;
        let id =
            initiatives::create_in(&mut tx, db, story.organisation, submitter, &story.draft, Stage::Idea, at).await?;
        let decider = if story.organisation == northfield { &approver } else { &riverside_admin };
        let (decider, decider_roles) = user(decider)?;
        let mut stage = Stage::Idea;
        for (to, reason) in path_to(story.target) {
            let owner = Standing { roles: submitter_roles.to_vec(), is_submitter: true, is_team_member: true };
            let approver_standing = Standing { roles: decider_roles.to_vec(), ..Standing::default() };
            let (actor, result) = match stage.transition(to, &owner, reason) {
                Ok(ok) => (submitter, ok),
                Err(_) => (
                    decider,
                    stage.transition(to, &approver_standing, reason).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ),
            };
            // Decisions take from 1 to 9 days, so the time-to-decision chart has variation to judge.
            at += if to == Stage::Approved { (1 + (n * 5) % 9) * DAY_MS } else { 3 * DAY_MS };
            initiatives::change_stage_in(&mut tx, db, story.organisation, id, actor, &result.0, at.min(now_ms)).await?;
            stage = to;
        }
        created.push((story.draft.title.as_str(), id));
    }
    let pilot = |prefix: &str| {
        created
            .iter()
            .find(|(title, _)| title.starts_with(prefix))
            .map(|(_, id)| *id)
            .ok_or_else(|| StoreError::Corrupt(format!("demo initiative {prefix:?} missing")))
    };
    let pilots = evidence::Pilots {
        falls: pilot("Falls prevention")?,
        huddles: pilot("Well-being huddles")?,
        discharge: pilot("Discharge letters")?,
        hydration: pilot("Hydration rounds")?,
    };
    let today = CivilDate::from_unix_ms(now_ms).ok_or_else(|| StoreError::Corrupt("clock out of range".into()))?;
    let northfield_lead = Actor { organisation: northfield, user: user(&lead)?.0, now_ms };
    let riverside_carer = Actor { organisation: riverside, user: user(&carer)?.0, now_ms };
    evidence::seed(&mut tx, db, northfield_lead, riverside_carer, &pilots, today).await?;
    let assessed: Vec<governance::Assessed<'_>> = governance::STORIES
        .iter()
        .map(|(prefix, facts, risks)| Ok(governance::Assessed { id: pilot(prefix)?, facts, risks }))
        .collect::<Result<_, StoreError>>()?;
    governance::seed(&mut tx, db, northfield, (user(&lead)?.0, user(&approver)?.0), &assessed).await?;
    let people = spread::People {
        lead: user(&lead)?.0,
        clinician: user(&clinician)?.0,
        executive: user(&role_email(Role::Executive))?.0,
    };
    spread::seed(&mut tx, northfield, people, pilot("Protected mealtimes")?, pilot("Falls prevention")?, now_ms)
        .await?;
    let contacts = support::Contacts {
        lead: user(&lead)?.0,
        research: user(&role_email(Role::ResearchOffice))?.0,
        admin: user(&role_email(Role::Admin))?.0,
        dpo: user(&role_email(Role::DataProtectionOfficer))?.0,
        clinician: user(&clinician)?.0,
    };
    let asking = [pilot("Sepsis screening")?, pilot("Discharge letters")?, pilot("SSKIN bundle")?];
    support::seed(&mut tx, northfield, contacts, &asking, pilot("Protected mealtimes")?, now_ms).await?;
    tx.commit().await?;
    // The spread package and its adoption write through the store's own functions, as a team would.
    let mealtimes = pilot("Protected mealtimes")?;
    let clinician_actor = Actor { organisation: northfield, user: user(&clinician)?.0, now_ms };
    packages::seed(db, clinician_actor, riverside_carer, mealtimes, riverside_home).await?;
    // Mentoring writes through the store's own functions, each in its own transaction.
    let people = mentoring::People {
        programme_lead: user(&role_email(Role::ProgrammeLead))?.0,
        mentee: user(&role_email(Role::Mentee))?.0,
        mentee_email: role_email(Role::Mentee),
        mentor: user(&role_email(Role::Mentor))?.0,
        mentor_email: role_email(Role::Mentor),
        clinician: user(&clinician)?.0,
        clinician_email: clinician.clone(),
        pharmacist_email: pharmacist.clone(),
        improvement_lead: user(&lead)?.0,
        carer: user(&carer)?.0,
        carer_organisation: riverside,
        partner: user(&role_email(Role::Partner))?.0,
    };
    mentoring::seed(db, northfield, &people, now_ms).await?;
    Ok(Some(Seeded { organisations: 2, users: ids.len(), initiatives: stories.len() }))
}

struct Story<'a> {
    organisation: OrganisationId,
    submitter: &'a str,
    target: Stage,
    draft: InitiativeDraft,
}

#[expect(clippy::too_many_arguments, reason = "one call per demo initiative reads best as a flat row")]
fn story<'a>(
    organisation: OrganisationId,
    site: Option<SiteId>,
    submitter: &'a str,
    target: Stage,
    title: &str,
    problem: &str,
    proposed_change: &str,
    aim: (&str, &str, (i32, u8, u8), &str),
    tags: &[&str],
) -> Story<'a> {
    let (what, how_much, (y, m, d), for_whom) = aim;
    Story {
        organisation,
        submitter,
        target,
        draft: InitiativeDraft {
            title: title.to_owned(),
            problem: problem.to_owned(),
            proposed_change: proposed_change.to_owned(),
            aim: Aim {
                what: Some(what.to_owned()),
                how_much: Some(how_much.to_owned()),
                by_when: CivilDate::new(y, m, d),
                for_whom: Some(for_whom.to_owned()),
            },
            site,
            tags: tags.iter().filter_map(|t| Tag::parse(t).ok()).collect(),
        },
    }
}

/// The moves (with the reason given) that take a new idea to `target`.
fn path_to(target: Stage) -> Vec<(Stage, &'static str)> {
    let main: [(Stage, &str); 7] = [
        (Stage::Shaping, "Aim and team agreed with the improvement lead."),
        (Stage::Assessment, "Risks assessed and measures defined; ready for a decision."),
        (Stage::Approved, "Low risk with clear measures; approved to pilot on one ward."),
        (Stage::Piloting, "First PDSA cycle started."),
        (Stage::Evaluating, "Three PDSA cycles complete; data ready to judge."),
        (Stage::Adopted, "Run chart shows sustained improvement; adopted as usual practice."),
        (Stage::Spreading, "Other sites asked to adopt it; spreading with local adaptation."),
    ];
    if target == Stage::Idea {
        return Vec::new();
    }
    if target == Stage::Stopped {
        let mut path: Vec<_> = main[..4].to_vec();
        path.push((Stage::Stopped, "Stopped after the first cycle: the whiteboard could not show enough detail for a safe handover. Lessons recorded for others."));
        return path;
    }
    if target == Stage::Spreading {
        // Spread straight from evaluation, as the board decided for this one.
        let mut path: Vec<_> = main[..5].to_vec();
        path.push((
            Stage::Spreading,
            "Improvement sustained for three months; the board asked for it to spread to both sites.",
        ));
        return path;
    }
    let end = main.iter().position(|(s, _)| *s == target).map_or(0, |i| i + 1);
    main[..end].to_vec()
}

/// The demo email of the person holding `role` in the first organisation.
pub fn email_for(role: Role) -> String {
    format!("{}@{EMAIL_DOMAIN}", role.slug())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_ends_at_its_target_and_each_step_is_a_real_move() {
        for target in Stage::ALL {
            let path = path_to(*target);
            assert_eq!(path.last().map_or(Stage::Idea, |(s, _)| *s), *target, "{target}");
            let mut at = Stage::Idea;
            for (to, _) in path {
                assert!(at.next_stages().any(|s| s == to), "{at} -> {to}");
                at = to;
            }
        }
    }
}
