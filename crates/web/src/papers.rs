//! Documents generated from the data, so nobody writes them by hand: the paper for a decision (a
//! committee paper when a committee decides), and a person's appraisal record. Each is one [`Paper`], shown as
//! HTML and laid out as PDF by `kindling_documents`; the appraisal record is also a CSV.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use kindling_documents::layout::{Block, Column, Document};
use kindling_domain::gates::{GateStatus, HazardStatus};
use kindling_domain::ids::UserId;
use kindling_domain::people::Role;
use kindling_domain::policy::GateKind;
use kindling_store::approvals::ApprovalRequest;
use kindling_store::{initiatives, learning, orgs, pathways, users};
use serde::Serialize;

use crate::auth::Viewer;
use crate::governance::Context;
use crate::{AppError, AppState, exports, templates};
use kindling_domain::validation::{capitalise_first, lower_first};

/// A generated document: sections of paragraphs, bullets and tables.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Paper {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub bullets: Vec<String>,
    /// Column headers and rows.
    pub table: Option<(Vec<String>, Vec<Vec<String>>)>,
}

impl Section {
    fn new(heading: &str) -> Self {
        Self { heading: heading.to_owned(), ..Self::default() }
    }
}

impl Paper {
    /// The same content as a document for PDF layout. Table columns share the width equally.
    pub fn document(&self) -> Document {
        let mut blocks = Vec::new();
        for s in &self.sections {
            blocks.push(Block::Heading(s.heading.clone()));
            blocks.extend(s.paragraphs.iter().cloned().map(Block::Paragraph));
            if !s.bullets.is_empty() {
                blocks.push(Block::Bullets(s.bullets.clone()));
            }
            if let Some((headers, rows)) = &s.table {
                let share = 1.0 / headers.len().max(1) as f64;
                blocks.push(Block::Table {
                    columns: headers.iter().map(|h| Column::text(h, share)).collect(),
                    rows: rows.clone(),
                });
            }
        }
        Document { title: self.title.clone(), subtitle: self.subtitle.clone(), blocks }
    }

    fn html(&self, viewer: &Viewer, back: (&str, &str), pdf: &str, csv: Option<&str>) -> Result<Response, AppError> {
        let html = templates::render(
            "paper.html",
            page! { title => self.title.clone(), viewer => viewer.view(), paper => self, back => back, pdf => pdf, csv => csv },
        )?;
        Ok(html.into_response())
    }
}

fn today() -> String {
    kindling_domain::initiatives::CivilDate::from_unix_ms(crate::now_ms()).map(|d| d.long()).unwrap_or_default()
}

/// The paper for a decision, with the sections an NHS paper carries: purpose, recommendation,
/// summary, aim, risks and checks, evidence so far, resources and finance, equality and quality
/// impact, patient involvement, and the decision sought, from whom and by when (the more senior route
/// once an overdue request has escalated). A committee's paper is a "Committee paper"; one person's
/// decision gets a "Decision paper".
async fn committee_paper(state: &AppState, viewer: &Viewer, request: &ApprovalRequest) -> Result<Paper, AppError> {
    let item = crate::initiatives::load(state, viewer, request.initiative).await?;
    let context = Context::load(state, viewer.organisation, &item).await?;
    let evidence = crate::learning::evidence_summary(state, &item).await?;
    let feedback = kindling_store::feedback::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let public_page = kindling_store::public_pages::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let pack = &context.pack;
    let now = crate::now_ms();
    let escalated = crate::approvals::escalated_to(pack, request, now);
    // Whoever decides now: a committee gets a committee paper.
    let committee = escalated.or_else(|| pack.route(&request.route)).is_some_and(|r| r.committee);
    let decider = escalated.map_or(request.route_label.clone(), |r| r.label.clone());
    let open_checks: Vec<&str> =
        context.gates.iter().filter(|g| g.status != GateStatus::Passed).map(|g| g.label.as_str()).collect();

    let mut purpose = Section::new("Purpose");
    purpose.paragraphs.push(format!(
        "To ask the {} to decide whether {} may be piloted.",
        lower_first(&decider),
        item.draft.title
    ));
    let mut recommendation = Section::new("Recommendation");
    recommendation.paragraphs.push(if open_checks.is_empty() {
        "The team asks for approval to pilot. Every check its facts call for has passed.".to_owned()
    } else {
        format!(
            "The team asks for approval to pilot, with the open checks as conditions: {}. The pilot cannot start until they pass.",
            open_checks.join(", ")
        )
    });
    let mut summary = Section::new("Summary");
    summary.paragraphs.push(format!(
        "{} ({}), submitted by {} on {}.",
        item.draft.title,
        item.site_name.clone().unwrap_or_else(|| "whole organisation".into()),
        request.submitted_by,
        crate::templates::long_date(request.submitted_ms)
    ));
    summary.paragraphs.push(format!("The problem: {}", item.draft.problem));
    summary.paragraphs.push(format!("The change proposed: {}", item.draft.proposed_change));
    let mut aim = Section::new("Aim");
    aim.paragraphs.push(crate::drivers::aim_line(&item));
    let mut risk = Section::new("Risk");
    if context.risks.is_empty() {
        risk.paragraphs.push("No risks are recorded.".into());
    } else {
        let rows = context
            .risks
            .iter()
            .map(|r| {
                let band = pack.band(r.draft.now.value()).map(|b| b.label.clone()).unwrap_or_default();
                vec![
                    pack.domain(&r.draft.domain).map_or(r.draft.domain.clone(), |d| d.label.clone()),
                    format!("{} (cause: {})", r.draft.event, r.draft.cause),
                    format!("{} {band}", r.draft.now.value()),
                    r.draft.target.map(|t| t.value().to_string()).unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        risk.table = Some((vec!["Domain".into(), "Risk".into(), "Score now".into(), "Target".into()], rows));
    }
    let mut checks = Section::new("Checks");
    if context.gates.is_empty() {
        checks.paragraphs.push("The initiative's facts call for no specialist checks.".into());
    } else {
        let rows = context
            .gates
            .iter()
            .map(|g| {
                let status = match g.status {
                    GateStatus::Passed => "Passed",
                    GateStatus::Blocked => "Blocked",
                    _ => "Not yet",
                };
                vec![g.label.clone(), status.to_owned(), g.summary.clone()]
            })
            .collect();
        checks.table = Some((vec!["Check".into(), "Status".into(), "Finding".into()], rows));
    }
    let mut found = Section::new("Evidence so far");
    if evidence.measures.is_empty() {
        found.paragraphs.push("No measures have data yet.".into());
    }
    found
        .bullets
        .extend(evidence.measures.iter().map(|(name, signal, verdict)| format!("{name}: {signal}. {verdict}")));
    found.bullets.extend(evidence.cycles.iter().cloned());
    // Risks in a domain are what Kindling holds about that part of the impact; costs are not held.
    let risks_in = |heading: &str, domains: &[&str], what: &str| {
        let mut section = Section::new(heading);
        section.bullets = context
            .risks
            .iter()
            .filter(|r| domains.contains(&r.draft.domain.as_str()))
            .map(|r| format!("{} (score {})", r.draft.event, r.draft.now.value()))
            .collect();
        section.paragraphs.push(if section.bullets.is_empty() {
            format!("No {what} risks are recorded.")
        } else {
            format!("{} risks recorded:", capitalise_first(what))
        });
        section
    };
    let mut resources = risks_in("Resources and finance", &["finance", "workforce"], "financial or workforce");
    resources.paragraphs.insert(
        0,
        "Kindling does not hold costs or staff time: the author adds them before the meeting if the decision needs them."
            .into(),
    );
    let impact = risks_in(
        "Equality and quality impact",
        &["equity", "quality-experience", "patient-safety"],
        "equality, quality or safety",
    );
    let mut involvement = Section::new("Patient involvement");
    let partners: Vec<&str> = item
        .team
        .iter()
        .filter(|m| m.person.profession == kindling_domain::people::Profession::PatientPartner)
        .map(|m| m.person.name.as_str())
        .collect();
    involvement.paragraphs.push(if partners.is_empty() {
        "No patient or public partner is on the team.".to_owned()
    } else {
        format!("Patient and public partners on the team: {}.", partners.join(", "))
    });
    let from_patients = feedback
        .iter()
        .filter(|f| {
            matches!(
                f.audience,
                kindling_domain::feedback::Audience::Patient | kindling_domain::feedback::Audience::Carer
            )
        })
        .count();
    involvement.paragraphs.push(format!(
        "{} answer{} from patients and carers through the feedback link ({} in all); the public page is {}.",
        from_patients,
        if from_patients == 1 { "" } else { "s" },
        feedback.len(),
        match public_page.as_ref() {
            Some(p) if p.live.is_some() => "published",
            Some(_) => "written but not yet published",
            None => "not written yet",
        }
    ));
    let mut sought = Section::new("Decision sought");
    let due = crate::templates::long_date(request.due_ms);
    match escalated {
        Some(senior) => sought.paragraphs.push(format!(
            "The {} was asked to decide by {due}. The request is overdue, so the policy pack escalates it: the {} is asked to approve the initiative to pilot (with or without conditions), to ask for changes, or to decline it, as soon as it can.",
            lower_first(&request.route_label),
            lower_first(&senior.label)
        )),
        None => sought.paragraphs.push(format!(
            "The {} is asked to approve the initiative to pilot (with or without conditions), to ask for changes, or to decline it, by {due}.",
            lower_first(&request.route_label)
        )),
    }
    sought.paragraphs.push(format!("Why this route: {}.", request.reason));
    let mut author = Section::new("Author and meeting");
    author.paragraphs.push(format!(
        "Written for {} by {} (submitter), from the initiative's records. {}",
        decider,
        request.submitted_by,
        if escalated.is_some() { "Decision now due.".to_owned() } else { format!("Decision due by {due}.") }
    ));
    Ok(Paper {
        title: format!("{}: {}", if committee { "Committee paper" } else { "Decision paper" }, item.draft.title),
        subtitle: format!(
            "For the {}, {}. Generated by Kindling on {} from the initiative's records.",
            lower_first(&decider),
            viewer.organisation_name,
            today()
        ),
        sections: vec![
            purpose,
            recommendation,
            summary,
            aim,
            risk,
            checks,
            found,
            resources,
            impact,
            involvement,
            sought,
            author,
        ],
    })
}

async fn load_request(state: &AppState, viewer: &Viewer, id: &str) -> Result<ApprovalRequest, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    kindling_store::approvals::get(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)
}

pub async fn paper(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let request = load_request(&state, &viewer, &id).await?;
    let paper = committee_paper(&state, &viewer, &request).await?;
    paper.html(
        &viewer,
        (&format!("/approvals/{}", request.id), "Back to the request"),
        &format!("/approvals/{}/paper.pdf", request.id),
        None,
    )
}

pub async fn paper_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let request = load_request(&state, &viewer, &id).await?;
    let paper = committee_paper(&state, &viewer, &request).await?;
    pdf(&state, &paper, &format!("committee-paper-{}.pdf", request.id)).await
}

async fn pdf(state: &AppState, paper: &Paper, filename: &str) -> Result<Response, AppError> {
    let document = paper.document();
    let bytes = exports::render(state, move |fonts| {
        let pages = kindling_documents::layout::pages(&document, fonts);
        kindling_documents::pdf::write(&pages, &document.title, fonts)
    })
    .await?;
    Ok(exports::download(bytes, "application/pdf", filename))
}

/// The clinical safety case report for an initiative, from its hazard log (DCB0160's safety case, as
/// a trust's CSO writes it for a deployment): scope and intended use, the method and acceptability
/// levels of the pack, a summary that names every hazard not yet at an acceptable level, the whole
/// log with controls, residual levels, owners and reviews, every change since each was logged, and
/// the sign-off the clinical safety officer gives (or the space to give it).
async fn safety_case(state: &AppState, viewer: &Viewer, id: &str) -> Result<(Paper, i64), AppError> {
    let item = crate::initiatives::load(state, viewer, crate::initiatives::parse_id(id)?).await?;
    let context = Context::load(state, viewer.organisation, &item).await?;
    if !context.gates.iter().any(|g| g.kind == GateKind::ClinicalSafety) {
        // No clinical safety gate for these facts: there is no safety case to write.
        return Err(AppError::NotFound);
    }
    let pack = &context.pack;
    let hazards = kindling_store::gates::hazards(state.db(), viewer.organisation, item.id).await?;
    let record = kindling_store::gates::records_for(state.db(), viewer.organisation, item.id)
        .await?
        .into_iter()
        .find(|r| r.gate == GateKind::ClinicalSafety);
    let organisation = orgs::organisation(state.db(), viewer.organisation).await?.map(|o| o.name).unwrap_or_default();
    let level_label = |level: u8| {
        pack.clinical_safety.acceptability.get(usize::from(level).saturating_sub(1)).cloned().unwrap_or_default()
    };
    let label_of = |labels: &[String], score: u8| {
        labels.get(usize::from(score).saturating_sub(1)).map_or_else(|| score.to_string(), |l| format!("{score} {l}"))
    };
    let mut scope = Section::new("Scope and intended use");
    scope.paragraphs.push(format!(
        "This report summarises the clinical risk management of {} at {organisation}, from its hazard log as it stands on {}.",
        item.draft.title,
        today()
    ));
    scope.paragraphs.push(format!("The problem: {}", item.draft.problem));
    scope.paragraphs.push(format!("The change: {}", item.draft.proposed_change));
    let mut method = Section::new("Method");
    method.paragraphs.push(format!(
        "Each hazard is scored for severity and likelihood before and after its controls, and the pair is looked up in the pack's matrix ({}). A residual level of {} or above blocks the deployment until it is reduced.",
        pack.clinical_safety.source, pack.clinical_safety.blocking_level
    ));
    method.bullets = (1..=5u8).map(|level| format!("Level {level}: {}", level_label(level))).collect();
    let counts = |status: HazardStatus| hazards.iter().filter(|h| h.status == status).count();
    let unacceptable: Vec<&kindling_store::gates::Hazard> = hazards
        .iter()
        .filter(|h| h.status.counts() && h.residual_level >= pack.clinical_safety.blocking_level)
        .collect();
    let mut summary = Section::new("Summary");
    summary.paragraphs.push(format!(
        "{} hazard{} logged: {} open, {} mitigated, {} closed, {} transferred.",
        hazards.len(),
        if hazards.len() == 1 { "" } else { "s" },
        counts(HazardStatus::Open),
        counts(HazardStatus::Mitigated),
        counts(HazardStatus::Closed),
        counts(HazardStatus::Transferred)
    ));
    summary.paragraphs.push(if unacceptable.is_empty() {
        "No open or mitigated hazard has a residual level at which the deployment is blocked.".to_owned()
    } else {
        format!(
            "Not yet at an acceptable level, and blocking the deployment: {}.",
            unacceptable
                .iter()
                .map(|h| format!("{} (level {})", h.name, h.residual_level))
                .collect::<Vec<_>>()
                .join("; ")
        )
    });
    let not_reviewed = hazards.iter().filter(|h| h.status.counts() && h.reviewed_ms.is_none()).count();
    if not_reviewed > 0 {
        summary.paragraphs.push(format!(
            "{not_reviewed} open or mitigated hazard{} not yet reviewed by the clinical safety officer as it stands.",
            if not_reviewed == 1 { " is" } else { "s are" }
        ));
    }
    let mut log = Section::new("Hazard log");
    let severities = &pack.clinical_safety.severities;
    let likelihoods = &pack.clinical_safety.likelihoods;
    log.table = Some((
        ["Hazard", "Cause and effect", "Controls", "Initial", "Residual", "Status and owner", "CSO review"]
            .map(String::from)
            .to_vec(),
        hazards
            .iter()
            .map(|h| {
                vec![
                    format!("H{}: {}", h.id, h.name),
                    format!("{} Effect: {}", h.cause, h.effect),
                    if h.controls.is_empty() { "None recorded".to_owned() } else { h.controls.clone() },
                    format!("{} × {}", label_of(severities, h.initial.0), label_of(likelihoods, h.initial.1)),
                    format!(
                        "{} × {}: level {}",
                        label_of(severities, h.residual.0),
                        label_of(likelihoods, h.residual.1),
                        h.residual_level
                    ),
                    format!("{}; {}", h.status.label(), if h.owner.is_empty() { "no owner named" } else { &h.owner }),
                    match (&h.reviewed_by, h.reviewed_ms) {
                        (Some(by), Some(at)) => format!(
                            "{by}, {}{}",
                            crate::templates::long_date(at),
                            h.review_note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
                        ),
                        _ => "Not reviewed".to_owned(),
                    },
                ]
            })
            .collect(),
    ));
    if hazards.is_empty() {
        log.paragraphs.push("No hazards are logged.".to_owned());
    }
    let mut changes = Section::new("Changes since each hazard was logged");
    changes.bullets = hazards
        .iter()
        .flat_map(|h| {
            h.history
                .iter()
                .map(move |c| format!("H{} {}: {} ({})", h.id, crate::templates::long_date(c.at_ms), c.summary, c.by))
        })
        .collect();
    if changes.bullets.is_empty() {
        changes.paragraphs.push("None.".to_owned());
    }
    let mut sign = Section::new("Clinical safety officer's sign-off");
    match record.as_ref().and_then(|r| r.signed_off_by.clone().zip(r.signed_off_ms)) {
        Some((by, at)) => sign.paragraphs.push(format!(
            "Signed off by {by} on {}{}",
            crate::templates::long_date(at),
            record
                .as_ref()
                .and_then(|r| r.sign_off_note.clone())
                .map(|n| format!(": {n}"))
                .unwrap_or_else(|| ".".into())
        )),
        None => {
            sign.paragraphs.push(
                "I confirm that the hazards above have been identified and assessed, that the residual risks are acceptable for this deployment, and that the controls are in place or planned as stated."
                    .to_owned(),
            );
            sign.bullets = ["Name", "Professional registration", "Signature", "Date"]
                .map(|f| format!("{f}: ______________________________"))
                .to_vec();
        }
    }
    let paper = Paper {
        title: format!("Clinical safety case report: {}", item.draft.title),
        subtitle: format!("{organisation} · from the hazard log · under {} {}", pack.pack.id, pack.pack.version),
        sections: vec![scope, method, summary, log, changes, sign],
    };
    Ok((paper, item.id.get()))
}

pub async fn safety_case_html(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (paper, id) = safety_case(&state, &viewer, &id).await?;
    paper.html(
        &viewer,
        (&format!("/initiatives/{id}/gates/clinical-safety"), "Back to the clinical safety gate"),
        &format!("/initiatives/{id}/safety-case.pdf"),
        None,
    )
}

pub async fn safety_case_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (paper, id) = safety_case(&state, &viewer, &id).await?;
    pdf(&state, &paper, &format!("clinical-safety-case-{id}.pdf")).await
}

/// Who may see a person's appraisal record: the person, and executives and administrators of
/// their organisation.
pub(crate) fn may_see_record(viewer: &Viewer, person: UserId) -> bool {
    may_read_record(Reader::of(viewer), person)
}

/// Who is asking for a record: through the pages or the API.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub organisation: kindling_domain::ids::OrganisationId,
    pub user: UserId,
    pub roles: &'a [Role],
}

impl<'a> Reader<'a> {
    fn of(viewer: &'a Viewer) -> Self {
        Self { organisation: viewer.organisation, user: viewer.user.id, roles: &viewer.roles }
    }
}

fn may_read_record(reader: Reader<'_>, person: UserId) -> bool {
    reader.user == person || reader.roles.iter().any(|r| matches!(r, Role::Executive | Role::Admin))
}

/// A person's record for appraisal and revalidation: initiatives led or joined, learning reviews
/// written, support and recognition, and skills pathway steps completed.
async fn appraisal(state: &AppState, viewer: &Viewer, id: &str) -> Result<(Paper, String), AppError> {
    appraisal_for(state, Reader::of(viewer), id).await
}

/// A person's appraisal record and its CSV, if `reader` may see it.
pub(crate) async fn appraisal_for(state: &AppState, reader: Reader<'_>, id: &str) -> Result<(Paper, String), AppError> {
    let person = id.parse::<i64>().ok().map(UserId::new).ok_or(AppError::NotFound)?;
    let member = users::members(state.db(), reader.organisation).await?.into_iter().find(|m| m.id == person);
    let Some(member) = member else { return Err(AppError::NotFound) };
    if !may_read_record(reader, person) {
        return Err(AppError::Forbidden(
            "Only the person themselves, executives and administrators can see an appraisal record.".into(),
        ));
    }
    let organisation = orgs::organisation(state.db(), reader.organisation).await?.map(|o| o.name).unwrap_or_default();
    let involved = initiatives::involving(state.db(), reader.organisation, person).await?;
    let reviews = learning::written_by(state.db(), (reader.organisation, reader.user), person).await?;
    let recognised = kindling_store::recognition::for_person(state.db(), reader.organisation, person).await?;
    let steps = pathways::progress(state.db(), person).await?;
    let mut work = Section::new("Initiatives led or joined");
    if involved.is_empty() {
        work.paragraphs.push("None recorded.".into());
    } else {
        work.table = Some((
            vec!["Initiative".into(), "Part".into(), "Stage".into()],
            involved.iter().map(|i| vec![i.title.clone(), i.part.clone(), i.stage.label().to_owned()]).collect(),
        ));
    }
    let mut learned = Section::new("Learning reviews written");
    if reviews.is_empty() {
        learned.paragraphs.push("None recorded.".into());
    }
    learned.bullets.extend(reviews.iter().map(|r| {
        format!(
            "{} ({}): we will change: {}",
            r.initiative_title,
            crate::templates::long_date(r.updated_ms),
            r.draft.change
        )
    }));
    let relationships = kindling_store::mentoring::record_of(state.db(), reader.organisation, person).await?;
    let mut mentoring = Section::new("Mentoring given and received");
    if relationships.is_empty() {
        mentoring.paragraphs.push("No mentoring relationships are recorded in Kindling for this person.".into());
    } else {
        mentoring.table = Some((
            vec!["Programme".into(), "As".into(), "With".into(), "Status".into(), "Sessions".into(), "Hours".into()],
            relationships
                .iter()
                .map(|r| {
                    vec![
                        r.programme.clone(),
                        r.side.label().to_owned(),
                        r.partner.clone(),
                        r.status.label().to_owned(),
                        r.sessions.to_string(),
                        format!("{:.1}", r.minutes as f64 / 60.0),
                    ]
                })
                .collect(),
        ));
    }
    let mut thanks = Section::new("Recognition");
    if recognised.is_empty() {
        thanks.paragraphs.push("None recorded.".into());
    }
    thanks.bullets.extend(recognised.iter().map(|r| {
        format!("{}: {} (from {}, {})", r.kind.label(), r.title, r.from, crate::templates::long_date(r.created_ms))
    }));
    let mut skills = Section::new("Skills pathways");
    if steps.is_empty() {
        skills.paragraphs.push("No steps completed yet.".into());
    }
    for p in kindling_domain::pathways::PATHWAYS {
        let done: Vec<&str> = p
            .steps
            .iter()
            .filter(|s| steps.iter().any(|d| d.pathway == p.slug && d.step == s.slug))
            .map(|s| s.title)
            .collect();
        if !done.is_empty() {
            let whole = if done.len() == p.steps.len() { "completed" } else { "in progress" };
            skills.bullets.push(format!(
                "{} ({whole}, {} of {} steps): {}",
                p.title,
                done.len(),
                p.steps.len(),
                done.join("; ")
            ));
        }
    }
    let mut csv = appraisal_csv(&member.name, &involved, &reviews, &recognised, &steps);
    for r in &relationships {
        let field = crate::measures::csv_cell;
        csv.push_str(&format!(
            "{},mentoring,{},{},\n",
            field(&member.name),
            field(&r.programme),
            field(&format!(
                "{} with {}; {}; {} sessions, {} minutes",
                r.side.label(),
                r.partner,
                r.status.label(),
                r.sessions,
                r.minutes
            )),
        ));
    }
    let paper = Paper {
        title: format!("Appraisal record: {}", member.name),
        subtitle: format!(
            "{}, {}. Generated by Kindling on {} for appraisal and revalidation.",
            member.profession.label(),
            organisation,
            today()
        ),
        sections: vec![work, learned, mentoring, thanks, skills],
    };
    Ok((paper, csv))
}

/// One row per item, for a portfolio: section, title, detail, date.
fn appraisal_csv(
    name: &str,
    involved: &[initiatives::Involvement],
    reviews: &[learning::Review],
    recognised: &[kindling_store::recognition::Recognition],
    steps: &[pathways::Done],
) -> String {
    let field = crate::measures::csv_cell;
    let mut out = String::from("person,section,title,detail,date\n");
    let mut row = |section: &str, title: &str, detail: &str, date: &str| {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            field(name),
            field(section),
            field(title),
            field(detail),
            field(date)
        ));
    };
    for i in involved {
        row("initiative", &i.title, &format!("{}; {}", i.part, i.stage.label()), "");
    }
    for r in reviews {
        row("learning review", &r.initiative_title, &r.draft.change, &crate::templates::iso_date(r.updated_ms));
    }
    for r in recognised {
        row("recognition", &r.title, r.kind.label(), &crate::templates::iso_date(r.created_ms));
    }
    for s in steps {
        let title = kindling_domain::pathways::pathway(&s.pathway).map_or(s.pathway.clone(), |p| p.title.to_owned());
        row("skills pathway", &title, &s.step, &crate::templates::iso_date(s.completed_ms));
    }
    out
}

pub async fn appraisal_html(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (paper, _) = appraisal(&state, &viewer, &id).await?;
    paper.html(
        &viewer,
        (&format!("/people/{id}"), "Back to the profile"),
        &format!("/people/{id}/appraisal.pdf"),
        Some(&format!("/people/{id}/appraisal.csv")),
    )
}

pub async fn appraisal_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (paper, _) = appraisal(&state, &viewer, &id).await?;
    pdf(&state, &paper, "appraisal-record.pdf").await
}

pub async fn appraisal_csv_download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (_, csv) = appraisal(&state, &viewer, &id).await?;
    Ok(exports::download(csv.into_bytes(), "text/csv; charset=utf-8", "appraisal-record.csv"))
}
