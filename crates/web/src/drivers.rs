//! An initiative's driver diagram: edited as a nested list of plain forms (no drawing, no
//! JavaScript), drawn as SVG beside it, with change ideas linked to the PDSA cycles that test them
//! and drivers to the measures that track them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_charts::driver;
use kindling_domain::drivers::{NodeForm, NodeKind, Tested};
use kindling_store::drivers::{self, Node};
use kindling_store::initiatives::Initiative;
use kindling_store::pdsa::PdsaCycle;
use kindling_store::{measures, pdsa};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::{is_team_or_lead, load, parse_id, require_team};
use crate::{AppError, AppState, now_ms, templates};

/// A node as the page shows it, with its children.
#[derive(Serialize)]
struct NodeView {
    id: i64,
    kind: &'static str,
    kind_label: &'static str,
    label: String,
    tested: Option<(String, &'static str)>,
    /// Linked cycles or measures: (link, text).
    linked: Vec<(String, String)>,
    /// What could still be linked: (id, text).
    linkable: Vec<(String, String)>,
    children: Vec<NodeView>,
}

/// A form that failed: where it was, what was typed and why it was refused.
#[derive(Default, Serialize)]
struct Failed {
    parent: String,
    kind: String,
    label: String,
    message: String,
}

fn cycle_text(c: &PdsaCycle) -> String {
    format!("Cycle {}: {}", c.number, c.change)
}

fn view(
    item: &Initiative,
    node: &Node,
    all: &[Node],
    cycles: &[PdsaCycle],
    measures: &[measures::Measure],
    states: &[Tested],
) -> NodeView {
    let base = format!("/initiatives/{}", item.id);
    let (tested, linked, linkable) = if node.kind == NodeKind::Change {
        // `states` runs beside `all`.
        let state = all.iter().position(|n| n.id == node.id).map_or(Tested::NotYet, |i| states[i]);
        (
            Some((state.label(), state.colour())),
            cycles
                .iter()
                .filter(|c| node.cycles.contains(&c.id.get()))
                .map(|c| (format!("{base}/pdsa/{}", c.id.get()), cycle_text(c)))
                .collect(),
            cycles
                .iter()
                .filter(|c| !node.cycles.contains(&c.id.get()))
                .map(|c| (c.id.get().to_string(), cycle_text(c)))
                .collect(),
        )
    } else {
        (
            None,
            measures
                .iter()
                .filter(|m| node.measures.contains(&m.id.get()))
                .map(|m| (format!("{base}/measures/{}", m.id.get()), m.draft.name.clone()))
                .collect(),
            measures
                .iter()
                .filter(|m| !node.measures.contains(&m.id.get()))
                .map(|m| (m.id.get().to_string(), m.draft.name.clone()))
                .collect(),
        )
    };
    NodeView {
        id: node.id,
        kind: node.kind.slug(),
        kind_label: node.kind.label(),
        label: node.label.clone(),
        tested,
        linked,
        linkable,
        children: all
            .iter()
            .filter(|n| n.parent == Some(node.id))
            .map(|n| view(item, n, all, cycles, measures, states))
            .collect(),
    }
}

/// The aim in one line, from the initiative's aim.
pub(crate) fn aim_line(item: &Initiative) -> String {
    let a = &item.draft.aim;
    let parts: Vec<String> = [
        a.what.clone(),
        a.how_much.clone(),
        a.by_when.map(|d| format!("by {}", d.long())),
        a.for_whom.clone().map(|w| format!("for {w}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { format!("Aim of {} (not yet written)", item.draft.title) } else { parts.join(", ") }
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    failed: Option<&Failed>,
) -> Result<Response, AppError> {
    let nodes = drivers::diagram(state.db(), viewer.organisation, item.id).await?;
    let cycles = pdsa::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let measures = measures::for_initiative(state.db(), viewer.organisation, item.id).await?;
    // Each node's test state, once, in the order of `nodes`.
    let states: Vec<Tested> = nodes.iter().map(|n| n.tested(&cycles)).collect();
    let tree: Vec<NodeView> = nodes
        .iter()
        .filter(|n| n.parent.is_none())
        .map(|n| view(item, n, &nodes, &cycles, &measures, &states))
        .collect();
    let words: Vec<String> = states.iter().map(|s| s.label()).collect();
    let boxes: Vec<driver::Box<'_>> = nodes
        .iter()
        .zip(states.iter().zip(&words))
        .map(|(n, (state, words))| driver::Box {
            id: n.id,
            parent: n.parent,
            column: match n.kind {
                NodeKind::Primary => 1,
                NodeKind::Secondary => 2,
                NodeKind::Change => 3,
            },
            label: &n.label,
            status: (n.kind == NodeKind::Change).then_some((words.as_str(), state.colour())),
        })
        .collect();
    let aim = aim_line(item);
    let svg = (!nodes.is_empty()).then(|| driver::svg(&aim, &boxes, "drivers"));
    let tested_count = nodes
        .iter()
        .zip(&states)
        .filter(|(n, state)| n.kind == NodeKind::Change && matches!(state, Tested::Tested(_)))
        .count();
    let status = if failed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let html = templates::render(
        "drivers/show.html",
        page! { title => "Driver diagram", section => "initiatives", viewer => viewer.view(), item => item, aim => aim, svg => svg, tree => tree, can_edit => is_team_or_lead(viewer, item), failed => failed, change_ideas => nodes.iter().filter(|n| n.kind == NodeKind::Change).count(), tested_count => tested_count },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    render(&state, &viewer, &item, None).await
}

pub async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<NodeForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "change its driver diagram")?;
    let nodes = drivers::diagram(state.db(), viewer.organisation, item.id).await?;
    match form.parse(|id| nodes.iter().find(|n| n.id == id).map(|n| n.kind)) {
        Err(errors) => {
            let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(". ");
            let failed =
                Failed { parent: form.parent.clone(), kind: form.kind.clone(), label: form.label.clone(), message };
            render(&state, &viewer, &item, Some(&failed)).await
        }
        Ok(draft) => {
            let node = drivers::add(state.db(), viewer.actor(now_ms()), item.id, &draft).await?;
            Ok(Redirect::to(&format!("/initiatives/{}/drivers#node-{node}", item.id)).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    target: String,
}

/// Links a PDSA cycle to a change idea, or a measure to a driver, of this initiative.
pub async fn link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, node)): Path<(String, String)>,
    axum::Form(form): axum::Form<LinkForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "change its driver diagram")?;
    let nodes = drivers::diagram(state.db(), viewer.organisation, item.id).await?;
    let node =
        node.parse::<i64>().ok().and_then(|n| nodes.into_iter().find(|x| x.id == n)).ok_or(AppError::NotFound)?;
    let target = form.target.parse::<i64>().ok();
    let (kind, known) = if node.kind == NodeKind::Change {
        let cycles = pdsa::for_initiative(state.db(), viewer.organisation, item.id).await?;
        ("pdsa", target.is_some_and(|t| cycles.iter().any(|c| c.id.get() == t)))
    } else {
        let ms = measures::for_initiative(state.db(), viewer.organisation, item.id).await?;
        ("measure", target.is_some_and(|t| ms.iter().any(|m| m.id.get() == t)))
    };
    let Some(target) = target.filter(|_| known) else {
        return Err(AppError::BadRequest(format!(
            "Choose one of this initiative's {} to link.",
            if kind == "pdsa" { "PDSA cycles" } else { "measures" }
        )));
    };
    drivers::link(state.db(), viewer.actor(now_ms()), item.id, node.id, kind, target).await?;
    Ok(Redirect::to(&format!("/initiatives/{}/drivers#node-{}", item.id, node.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    /// "yes" once the person has seen what else goes with the node.
    confirm: String,
}

/// Removes a node. One with nodes under it is removed only after a page that names them and asks.
pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, node)): Path<(String, String)>,
    axum::Form(form): axum::Form<RemoveForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "change its driver diagram")?;
    let node = node.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let nodes = drivers::diagram(state.db(), viewer.organisation, item.id).await?;
    let target = nodes.iter().find(|n| n.id == node).ok_or(AppError::NotFound)?;
    // Everything under the node, depth first, so the page lists what would go.
    let mut under: Vec<&drivers::Node> = Vec::new();
    let mut frontier = vec![node];
    while let Some(parent) = frontier.pop() {
        for child in nodes.iter().filter(|n| n.parent == Some(parent)) {
            under.push(child);
            frontier.push(child.id);
        }
    }
    if !under.is_empty() && form.confirm != "yes" {
        let html = templates::render(
            "drivers/remove.html",
            page! { title => format!("Remove {}?", target.label), section => "initiatives", viewer => viewer.view(), item => &item, node => target, under => under },
        )?;
        return Ok(html.into_response());
    }
    if !drivers::remove(state.db(), viewer.actor(now_ms()), item.id, node).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/initiatives/{}/drivers", item.id)).into_response())
}
