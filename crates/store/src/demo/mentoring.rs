//! The demo's mentoring and spaces: a leadership programme in Northfield with 200 mentees and 60
//! mentors enrolled over seven months, one round run by the engine and published five months ago
//! (the demo mentee and mentor paired by an override and not yet answered), the relationships since
//! with goals, sessions and feedback, HR and incident data for the comparisons, and a collaborative
//! space with members from both organisations. Everything goes through the store's own functions.

use std::collections::BTreeSet;

use kindling_domain::challenges::{ChallengeDraft, IdeaDraft};
use kindling_domain::ids::{OrganisationId, UserId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::mentoring::applications::TrainingRecord;
use kindling_domain::mentoring::imports::{HrMonth, UnitMonth};
use kindling_domain::mentoring::{
    DEFAULT_QUESTIONS, Frequency, MatchStatus, Objective, ParticipantDraft, ProgrammeDraft, SessionDraft, SessionMode,
    Settings, Side, WeightSettings,
};
use kindling_domain::spaces::{SpaceDraft, Stage};
use kindling_matching::round::{self, RoundInput};

use crate::mentoring::{self, NewRound};
use crate::{Actor, Db, StoreError, challenges, spaces};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub struct People {
    pub programme_lead: UserId,
    pub mentee: UserId,
    pub mentee_email: String,
    pub mentor: UserId,
    pub mentor_email: String,
    pub clinician: UserId,
    pub clinician_email: String,
    pub pharmacist_email: String,
    pub improvement_lead: UserId,
    pub carer: UserId,
    pub carer_organisation: OrganisationId,
    /// A patient partner with a limited account.
    pub partner: UserId,
}

/// A small deterministic generator, so the demo is the same every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len() as u64) as usize]
    }

    fn some(&mut self, items: &[&str], count: usize) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        while out.len() < count {
            out.insert(self.pick(items).to_owned());
        }
        out
    }
}

/// Mentors come from every profession; mentees only from those the programme is for.
const PROFESSIONS: [&str; 6] =
    ["nurse", "doctor", "allied-health-professional", "pharmacist", "healthcare-scientist", "manager"];
const ELIGIBLE_PROFESSIONS: [&str; 4] = ["nurse", "allied-health-professional", "pharmacist", "healthcare-scientist"];
const SITES: [&str; 2] = ["Northfield General Hospital", "Eastbrook Community Hospital"];
/// Participants work in the first three units; the last two have nobody in the programme, so the
/// incidents in units with active mentoring have other units to be compared with in the same months.
const UNITS: [&str; 5] =
    ["Ward 7 (Acute Medicine)", "Emergency Department", "Pharmacy", "Rowan Ward (Rehabilitation)", "Outpatients"];
const MENTORED_UNITS: usize = 3;
const TAGS: [&str; 10] = [
    "leadership",
    "quality-improvement",
    "patient-safety",
    "digital-skills",
    "research",
    "teaching",
    "rota-planning",
    "difficult-conversations",
    "career-planning",
    "human-factors",
];
const MENTORS: usize = 60;
const MENTEES: usize = 200;
const LATE_MENTORS: usize = 6;
const STYLES: [&str; 4] = ["", "conversation", "shadowing", "structured"];
const SLOTS: [&str; 6] = ["mon-am", "tue-pm", "wed-am", "thu-pm", "fri-am", "fri-pm"];
const FIRST: [&str; 20] = [
    "Amara", "Ben", "Chloe", "Dev", "Ella", "Farah", "George", "Hana", "Isaac", "Jade", "Kofi", "Lucy", "Mo", "Nia",
    "Owen", "Pooja", "Rhys", "Sara", "Theo", "Zara",
];
const LAST: [&str; 15] = [
    "Adams", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones", "Khan", "Lewis",
    "Morris", "Patel", "Wright",
];

/// The `n`th distinct name: for each first name, `n / 20` runs through every surname once, so the
/// first 300 names (20 × 15) are all different.
fn name(n: usize) -> String {
    let (first, round) = (n % FIRST.len(), n / FIRST.len());
    format!("{} {}", FIRST[first], LAST[(round + 7 * first) % LAST.len()])
}

/// Participant `k` of a side, with the `n`th name: every participant has their own `n`, so nobody
/// shares a name.
fn person(dice: &mut Dice, side: Side, k: usize, n: usize) -> ParticipantDraft {
    let mentor = side == Side::Mentor;
    let reference = format!("{}{:04}", if mentor { "NM" } else { "NE" }, k + 1);
    ParticipantDraft {
        side,
        reference,
        name: name(n),
        email: None,
        profession: dice.pick(if mentor { &PROFESSIONS } else { &ELIGIBLE_PROFESSIONS }).to_owned(),
        grade: if mentor { 7 + dice.next(3) as u8 } else { 4 + dice.next(3) as u8 },
        site: SITES[(dice.next(10) >= 7) as usize].to_owned(),
        unit: dice.pick(&UNITS[..MENTORED_UNITS]).to_owned(),
        tags: dice.some(&TAGS, if mentor { 4 } else { 2 }),
        learning_style: dice.pick(&STYLES).to_owned(),
        availability: dice.some(&SLOTS, 2),
        capacity: if mentor { 2 + dice.next(2) as u32 } else { 0 },
        line_manager: String::new(),
        reverse: false,
    }
}

/// Runs a round on everyone waiting, as the web page runs it, and publishes it the next day; the
/// matches it offered, in the order the store lists them.
async fn run_and_publish(
    db: &Db,
    by: Actor,
    programme_id: i64,
    must_pair: Vec<(String, String)>,
) -> Result<Vec<mentoring::Match>, StoreError> {
    let programme = mentoring::programme(db, by.organisation, programme_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("demo programme".into()))?;
    let before = mentoring::matches(db, by.organisation, programme_id).await?.len();
    let pool = mentoring::pool(db, by.organisation, &programme).await?;
    let (mentee_profiles, mentor_profiles) = pool.profiles();
    let mut apart = Vec::new();
    apart.extend(pool.kept_apart.iter().cloned());
    let (weights, rules) = (programme.settings.weights(), programme.settings.rules(must_pair.clone(), apart));
    let input = RoundInput { mentees: &mentee_profiles, mentors: &mentor_profiles, weights: &weights, rules: &rules };
    let solved = round::run(&input, 1).map_err(|e| StoreError::Corrupt(format!("demo round: {e}")))?;
    let record = NewRound {
        must_pair,
        must_not_pair: Vec::new(),
        mentees: mentee_profiles.len(),
        mentors: mentor_profiles.len(),
        elapsed_ms: 0,
        entries: pool.entries(&solved),
        certificate: solved.certificate,
        alternatives: Vec::new(),
    };
    let round_id = mentoring::save_round(db, by, programme_id, &record).await?;
    let saved = mentoring::round(db, by.organisation, round_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("demo round".into()))?;
    mentoring::publish_round(db, Actor { now_ms: by.now_ms + DAY_MS, ..by }, &saved).await?;
    Ok(mentoring::matches(db, by.organisation, programme_id).await?.into_iter().skip(before).collect())
}

/// What happens after a round published at `by.now_ms`: answers (every seventh declines; the demo
/// mentee's offer stays open), then months of sessions, goals and feedback up to `now_ms`.
async fn live_out(db: &Db, by: Actor, offered: &[mentoring::Match], now_ms: i64) -> Result<(), StoreError> {
    let at = |ms: i64| Actor { now_ms: ms, ..by };
    for (k, m) in offered.iter().enumerate() {
        if m.mentee_reference == "NE-JT" {
            continue;
        }
        let answered = by.now_ms + (3 + (k % 9) as i64) * DAY_MS;
        if k % 7 == 6 {
            mentoring::answer(db, at(answered), m, MatchStatus::Declined, Some("Our rotas never overlap")).await?;
            continue;
        }
        mentoring::answer(db, at(answered), m, MatchStatus::Active, None).await?;
        let goal = mentoring::add_goal(db, at(answered), m.id, "Lead a small test of change on my unit").await?;
        let sessions = 2 + k % 4;
        for s in 0..sessions {
            let held = answered + (10 + 28 * s as i64 + (k % 5) as i64) * DAY_MS;
            if held >= now_ms {
                break;
            }
            let date = CivilDate::from_unix_ms(held).ok_or_else(|| StoreError::Corrupt("clock".into()))?;
            let session = SessionDraft {
                held_on: date,
                minutes: [45, 60, 30, 60][s % 4],
                mode: if (k + s) % 3 == 0 { SessionMode::Video } else { SessionMode::InPerson },
                link: None,
                protected: (k + s) % 4 != 0,
            };
            mentoring::log_session(db, at(held), m.id, &session).await?;
        }
        let midpoint = answered + (40 + (k % 60) as i64) * DAY_MS;
        if midpoint < now_ms {
            let answers: Vec<u8> = (0..4).map(|q| 3 + ((k + q) % 3) as u8).collect();
            mentoring::give_feedback(db, at(midpoint), m.id, Side::Mentee, "midpoint", &answers).await?;
            let level = [-1, 0, 0, 1, 1, 2][k % 6];
            mentoring::rate_goal(db, at(midpoint), m.id, goal, level).await?;
        }
    }
    Ok(())
}

/// The demo's mentor course, completed on the day of `ms` (the `cohort`th time it ran).
fn training(ms: i64, cohort: u32) -> Result<TrainingRecord, StoreError> {
    Ok(TrainingRecord {
        course: "Mentor foundations (half day)".into(),
        completed: CivilDate::from_unix_ms(ms).ok_or_else(|| StoreError::Corrupt("demo date".into()))?,
        evidence: format!("Attendance register, cohort {cohort}, kept by the learning and development team"),
    })
}

fn month(ms: i64) -> String {
    CivilDate::from_unix_ms(ms).map(|d| format!("{}-{:02}", d.year, d.month)).unwrap_or_default()
}

pub async fn seed(db: &Db, organisation: OrganisationId, people: &People, now_ms: i64) -> Result<(), StoreError> {
    let start = now_ms - 210 * DAY_MS;
    let at = |user: UserId, ms: i64| Actor { organisation, user, now_ms: ms };
    let lead = people.programme_lead;
    let settings = Settings {
        eligibility:
            "Nurses, allied health professionals, pharmacists and scientists in bands 4 to 6 who want to lead change"
                .into(),
        mentee_professions: ELIGIBLE_PROFESSIONS.iter().map(|p| (*p).to_owned()).collect(),
        mentee_grades: Some((4, 6)),
        duration_months: 9,
        frequency: Frequency::Monthly,
        protected_minutes: 60,
        profession_rule: "any".into(),
        same_site_only: false,
        require_shared_availability: false,
        required_training: "Mentor foundations (half day)".into(),
        weights: WeightSettings::default(),
        questions: DEFAULT_QUESTIONS.iter().map(|q| (*q).to_owned()).collect(),
        applications_open: true,
        application_questions: vec![
            "What change would you like to lead in the next year?".into(),
            "What would you like from a mentor, or bring to a mentee?".into(),
        ],
        mentees_choose: false,
    };
    let draft = ProgrammeDraft {
        name: "Leading change: mentoring for emerging leaders".into(),
        objective: Objective::Leadership,
        settings,
    };
    let programme_id = mentoring::create_programme(db, at(lead, start), &draft).await?;

    let mut dice = Dice(2026);
    // 60 mentors, all enrolled at the start; all but four trained.
    let mut mentors: Vec<ParticipantDraft> = (0..MENTORS).map(|k| person(&mut dice, Side::Mentor, k, k)).collect();
    mentors[0] = ParticipantDraft {
        reference: "NM-KM".into(),
        name: "Dr Kwame Mensah".into(),
        email: Some(people.mentor_email.clone()),
        profession: "doctor".into(),
        grade: 8,
        tags: ["leadership", "quality-improvement", "patient-safety", "teaching"]
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
        capacity: 3,
        ..mentors[0].clone()
    };
    mentoring::import(db, at(lead, start + DAY_MS), programme_id, &mentors).await?;
    // 200 mentees: 150 over the two months before the round, 50 after it.
    let mut mentees: Vec<ParticipantDraft> =
        (0..MENTEES).map(|k| person(&mut dice, Side::Mentee, k, MENTORS + k)).collect();
    mentees[0] = ParticipantDraft {
        reference: "NE-JT".into(),
        name: "Jess Taylor".into(),
        email: Some(people.mentee_email.clone()),
        profession: "pharmacist".into(),
        grade: 6,
        tags: ["leadership", "quality-improvement"].iter().map(|t| (*t).to_owned()).collect(),
        ..mentees[0].clone()
    };
    // Two staff with accounts join in the first group, so their initiatives count as participants'.
    mentees[1] = ParticipantDraft {
        reference: "NE-PS".into(),
        name: "Priya Shah".into(),
        email: Some(people.clinician_email.clone()),
        profession: "nurse".into(),
        grade: 5,
        unit: UNITS[0].into(),
        ..mentees[1].clone()
    };
    mentees[2] = ParticipantDraft {
        reference: "NE-AR".into(),
        name: "Aisha Rahman".into(),
        email: Some(people.pharmacist_email.clone()),
        profession: "pharmacist".into(),
        grade: 6,
        unit: UNITS[2].into(),
        ..mentees[2].clone()
    };
    for (k, chunk) in mentees[..150].chunks(25).enumerate() {
        mentoring::import(db, at(lead, start + (2 + 10 * k as i64) * DAY_MS), programme_id, chunk).await?;
    }
    let everyone = mentoring::participants(db, organisation, programme_id).await?;
    let first_course = training(start + 2 * DAY_MS, 1)?;
    for (k, p) in everyone.iter().filter(|p| p.side == Side::Mentor).enumerate() {
        if k % 15 != 14 {
            mentoring::record_training(db, at(lead, start + 3 * DAY_MS), p.id, &first_course).await?;
        }
    }

    // The first round, run by the engine as the web page runs it, with the demo pair fixed by an
    // override; the demo pair's offer is left unanswered.
    let round_ms = start + 65 * DAY_MS;
    let must_pair = vec![("NE-JT".to_owned(), "NM-KM".to_owned())];
    let offered = run_and_publish(db, at(lead, round_ms), programme_id, must_pair).await?;
    live_out(db, at(lead, round_ms), &offered, now_ms).await?;
    // The last 50 mentees enrol in five groups after it; a round each month matches those waiting
    // (as places free up), and the last two groups wait for the next round.
    for (k, chunk) in mentees[150..].chunks(10).enumerate() {
        let enrolled_ms = round_ms + (20 + 25 * k as i64) * DAY_MS;
        mentoring::import(db, at(lead, enrolled_ms), programme_id, chunk).await?;
        if k < 3 {
            let later_ms = round_ms + 30 * (k as i64 + 1) * DAY_MS;
            let offered = run_and_publish(db, at(lead, later_ms), programme_id, Vec::new()).await?;
            live_out(db, at(lead, later_ms), &offered, now_ms).await?;
        }
    }
    // By then every place is taken: six mentors recruited and trained last month offer a few more,
    // still fewer than the mentees waiting, for the next round.
    let recruited_ms = round_ms + 125 * DAY_MS;
    let recruits: Vec<ParticipantDraft> = (0..LATE_MENTORS)
        .map(|k| ParticipantDraft {
            capacity: 2,
            ..person(&mut dice, Side::Mentor, MENTORS + k, MENTORS + MENTEES + k)
        })
        .collect();
    mentoring::import(db, at(lead, recruited_ms), programme_id, &recruits).await?;
    for p in mentoring::participants(db, organisation, programme_id).await? {
        if recruits.iter().any(|r| r.side == p.side && r.reference == p.reference) {
            mentoring::record_training(db, at(lead, recruited_ms + DAY_MS), p.id, &training(recruited_ms, 2)?).await?;
        }
    }

    // HR leavers and incidents by unit for the comparisons.
    let references: Vec<String> =
        mentoring::participants(db, organisation, programme_id).await?.into_iter().map(|p| p.reference).collect();
    let months: Vec<String> =
        (0..8).map(|k| month(start + k * 30 * DAY_MS)).collect::<BTreeSet<_>>().into_iter().collect();
    let hr: Vec<HrMonth> = months
        .iter()
        .enumerate()
        .map(|(k, m)| HrMonth {
            month: m.clone(),
            staff_in_post: 2400 + 10 * k as u64,
            leavers: 24 + (k as u64 * 5) % 9,
            leaver_references: [references[(k * 37) % references.len()].clone()].into(),
        })
        .collect();
    mentoring::import_hr(db, at(lead, now_ms), &hr).await?;
    let incidents: Vec<UnitMonth> = months
        .iter()
        .enumerate()
        .flat_map(|(k, m)| {
            UNITS.iter().enumerate().map(move |(u, unit)| UnitMonth {
                unit: (*unit).to_owned(),
                month: m.clone(),
                incidents: 6 + ((k * 3 + u * 5) % 7) as u64,
                bed_days: 800 + 40 * u as u64,
            })
        })
        .collect();
    mentoring::import_incidents(db, at(lead, now_ms), &incidents).await?;

    // A collaborative space with members from both organisations and a patient partner.
    let space = spaces::create(
        db,
        at(people.improvement_lead, now_ms - 40 * DAY_MS),
        &SpaceDraft {
            title: "Safer transfers of care between hospital and care homes".into(),
            theme: "What goes wrong when residents move between Northfield's wards and Riverside's care homes, and how we could make every transfer safe.".into(),
        },
    )
    .await?;
    for (user, days) in [(people.clinician, 38), (people.mentor, 36), (people.mentee, 35), (people.programme_lead, 30)]
    {
        spaces::join(db, at(user, now_ms - days * DAY_MS), space).await?;
    }
    let riverside = Actor { organisation: people.carer_organisation, user: people.carer, now_ms: now_ms - 33 * DAY_MS };
    spaces::join(db, riverside, space).await?;
    spaces::add_partner(db, at(people.improvement_lead, now_ms - 30 * DAY_MS), space, "June (family carer)").await?;
    // A second partner signs in with a partner account of their own and adds to the space themselves.
    let facilitator = at(people.improvement_lead, now_ms - 29 * DAY_MS);
    spaces::add_partner_with_account(db, facilitator, space, "Tom (former patient)", people.partner).await?;
    let opened = spaces::get(db, space).await?.ok_or_else(|| StoreError::Corrupt("demo space".into()))?;
    spaces::add_output(
        db,
        at(people.clinician, now_ms - 25 * DAY_MS),
        &opened,
        Stage::Understand,
        "Medication changes are often missing from the transfer letter, and care home staff find out by phoning the ward.",
    )
    .await?;
    spaces::add_output(
        db,
        at(people.partner, now_ms - 24 * DAY_MS),
        &opened,
        Stage::Understand,
        "When I went back to my care home, nobody there knew my tablets had changed until my daughter rang them.",
    )
    .await?;
    let opened = spaces::get(db, space).await?.ok_or_else(|| StoreError::Corrupt("demo space".into()))?;
    spaces::add_output(
        db,
        at(people.improvement_lead, now_ms - 20 * DAY_MS),
        &opened,
        Stage::Define,
        "How might we make sure the care home knows every medication change before the resident arrives?",
    )
    .await?;
    challenge(db, organisation, people, space, now_ms).await
}

/// A challenge the space runs, open for three more weeks, with ideas from both organisations, their
/// supporters and a comment: what a member finds on their first visit.
async fn challenge(
    db: &Db,
    organisation: OrganisationId,
    people: &People,
    space: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let at = |user: UserId, days_ago: i64| Actor {
        organisation: if user == people.carer { people.carer_organisation } else { organisation },
        user,
        now_ms: now_ms - days_ago * DAY_MS,
    };
    let day = |days: i64| {
        CivilDate::from_unix_ms(now_ms + days * DAY_MS).ok_or_else(|| StoreError::Corrupt("demo date".into()))
    };
    let draft = ChallengeDraft {
        question: "How might we make sure the care home knows every medication change before the resident arrives?"
            .into(),
        description: Some(
            "Five of the last twelve transfers reached Riverside without the latest medication changes.".into(),
        ),
        opens_on: day(-10)?,
        closes_on: day(21)?,
        criteria: vec!["Safety for residents".into(), "How easy it is to try".into(), "Cost".into()],
    };
    let id = challenges::create(db, at(people.improvement_lead, 10), space, &draft).await?;
    let opened = challenges::get(db, id).await?.ok_or_else(|| StoreError::Corrupt("demo challenge".into()))?;
    let ideas = [
        (
            people.clinician,
            9,
            "A medication change sheet that travels with the resident",
            "The ward pharmacist signs a one-page sheet of every change since admission; it goes in the transfer bag.",
        ),
        (
            people.carer,
            8,
            "Phone the care home before the ambulance leaves",
            "A named nurse rings the home with the changes, and the home reads them back.",
        ),
        (
            people.mentee,
            6,
            "Send the discharge letter to the home's secure email first",
            "The letter reaches the home before the resident, so staff can query changes in working hours.",
        ),
    ];
    let mut posted = Vec::new();
    for (author, days_ago, title, description) in ideas {
        let draft = IdeaDraft { title: title.into(), description: description.into() };
        posted.push(challenges::post_idea(db, at(author, days_ago), &opened, &draft).await?);
    }
    for (supporter, idea) in [(people.carer, 0), (people.mentee, 0), (people.mentor, 0), (people.clinician, 1)] {
        challenges::set_support(db, at(supporter, 5), posted[idea], true).await?;
    }
    let sheet = challenges::idea(db, posted[0]).await?.ok_or_else(|| StoreError::Corrupt("demo idea".into()))?;
    challenges::comment(db, at(people.carer, 4), &sheet, "We would keep the sheet in the resident's room folder.").await
}
