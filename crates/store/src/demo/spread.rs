//! The demo's recognition and spread: thanks, an award and a learning-from-excellence report in
//! Northfield, and the complexity profile of the change it is spreading.

use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::spread::{NasssDomain, Rating};

use crate::{StoreError, WriteTx};

pub struct People {
    pub lead: UserId,
    pub clinician: UserId,
    pub executive: UserId,
}

/// How the demo team rated protected mealtimes for spread: complex only in its adopters (volunteers
/// and staff on every ward must change how meals run), so the advice is facilitated spread.
const PROFILE: [(NasssDomain, Rating, &str); 7] = [
    (NasssDomain::Condition, Rating::Simple, "Help to eat is a well-understood need."),
    (NasssDomain::Technology, Rating::Simple, "Red trays and a short training session."),
    (NasssDomain::ValueProposition, Rating::Simple, "Better nutrition at almost no cost."),
    (NasssDomain::Adopters, Rating::Complex, "Volunteers must be recruited and kept on every ward."),
    (NasssDomain::Organisation, Rating::Complicated, "Ward routines around meals change."),
    (NasssDomain::WiderSystem, Rating::Simple, "Fits national nutrition guidance."),
    (NasssDomain::Embedding, Rating::Complicated, "Volunteer rotas need a long-term owner."),
];

/// One recognition: kind, from, to a person, to an initiative's team, title, message.
type Given<'a> = (&'a str, UserId, Option<UserId>, Option<InitiativeId>, &'a str, &'a str);

pub async fn seed(
    tx: &mut WriteTx,
    organisation: OrganisationId,
    people: People,
    mealtimes: InitiativeId,
    falls: InitiativeId,
    now_ms: i64,
) -> Result<(), StoreError> {
    for (domain, rating, note) in PROFILE {
        sqlx::query(
            "INSERT INTO complexity_ratings (initiative_id, domain, rating, note, rated_by, rated_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(mealtimes.get())
        .bind(domain.slug())
        .bind(rating.slug())
        .bind(note)
        .bind(people.lead.get())
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    let recognitions: [Given<'_>; 3] = [
        (
            "award",
            people.executive,
            None,
            Some(mealtimes),
            "Board award for patient experience",
            "Protected mealtimes helped every patient with a red tray, and the volunteers now train each other.",
        ),
        (
            "thanks",
            people.clinician,
            Some(people.lead),
            None,
            "Making the falls data make sense",
            "Thank you for sitting with us to set up the run chart: the team finally sees what changed.",
        ),
        (
            "excellence",
            people.lead,
            None,
            Some(falls),
            "Night staff kept the falls bundle going through winter pressures",
            "Even with two agency nurses, every high-risk patient had the bundle: a clear handover checklist made it possible.",
        ),
    ];
    for (n, (kind, from, to, initiative, title, message)) in recognitions.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO recognitions (organisation_id, kind, from_user, to_user, initiative_id, title, message, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(organisation.get())
        .bind(kind)
        .bind(from.get())
        .bind(to.map(UserId::get))
        .bind(initiative.map(InitiativeId::get))
        .bind(title)
        .bind(message)
        .bind(now_ms - i64::try_from(n).unwrap_or(0) * 86_400_000)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
