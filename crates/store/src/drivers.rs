//! An initiative's driver diagram: its nodes, and the PDSA cycles and measures linked to them.

use crate::db::SingleRead;
use kindling_domain::drivers::{LinkedCycle, NodeDraft, NodeKind, Tested, tested};
use kindling_domain::ids::{InitiativeId, OrganisationId};
use serde::Serialize;
use sqlx::Row;

use crate::pdsa::PdsaCycle;
use crate::{Actor, Db, StoreError, WriteTx, audit};

/// One node with what is linked to it.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub id: i64,
    pub parent: Option<i64>,
    pub kind: NodeKind,
    pub label: String,
    /// Linked PDSA cycles (change ideas) or measures (drivers), by id.
    pub cycles: Vec<i64>,
    pub measures: Vec<i64>,
}

impl Node {
    /// How far this node has been tested by the cycles linked to it, out of the initiative's `cycles`.
    pub fn tested(&self, cycles: &[PdsaCycle]) -> Tested {
        let linked: Vec<LinkedCycle> = cycles
            .iter()
            .filter(|c| self.cycles.contains(&c.id.get()))
            .map(|c| LinkedCycle { number: c.number, stage: c.stage, decision: c.decision })
            .collect();
        tested(&linked)
    }
}

/// The diagram of an initiative of `organisation`, in the order nodes were added.
pub async fn diagram(db: &Db, organisation: OrganisationId, initiative: InitiativeId) -> Result<Vec<Node>, StoreError> {
    let rows = sqlx::query(
        "SELECT n.id, n.parent_id, n.kind, n.label FROM driver_nodes n JOIN initiatives i ON i.id = n.initiative_id
         WHERE n.initiative_id = $1 AND i.organisation_id = $2 ORDER BY n.id",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_all(db)
    .await?;
    let links = sqlx::query(
        "SELECT l.node_id, l.kind, l.ref_id FROM driver_links l JOIN driver_nodes n ON n.id = l.node_id
         WHERE n.initiative_id = $1 ORDER BY l.ref_id",
    )
    .bind(initiative.get())
    .read_all(db)
    .await?;
    let mut nodes = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get("kind")?;
        let id: i64 = r.try_get("id")?;
        let linked = |what: &str| -> Result<Vec<i64>, StoreError> {
            let mut out = Vec::new();
            for l in &links {
                if l.try_get::<i64, _>("node_id")? == id && l.try_get::<String, _>("kind")? == what {
                    out.push(l.try_get("ref_id")?);
                }
            }
            Ok(out)
        };
        nodes.push(Node {
            id,
            parent: r.try_get("parent_id")?,
            kind: kind.parse().map_err(|_| StoreError::Corrupt(format!("driver node kind {kind:?}")))?,
            label: r.try_get("label")?,
            cycles: linked("pdsa")?,
            measures: linked("measure")?,
        });
    }
    Ok(nodes)
}

async fn audit_change(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    summary: String,
) -> Result<(), StoreError> {
    audit::record(tx, db.dialect(), by, "drivers.changed", format!("initiative:{initiative}"), summary).await?;
    Ok(())
}

/// Adds a node (its parent already checked by the domain against this diagram).
pub async fn add(db: &Db, by: Actor, initiative: InitiativeId, node: &NodeDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO driver_nodes (initiative_id, parent_id, kind, label, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(initiative.get())
    .bind(node.parent)
    .bind(node.kind.slug())
    .bind(node.label.clone())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit_change(&mut tx, db, by, initiative, format!("{} added: {}", node.kind.label(), node.label)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a node with everything under it and their links. `false` if it is not in the diagram.
pub async fn remove(db: &Db, by: Actor, initiative: InitiativeId, node: i64) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let all: Vec<(i64, Option<i64>)> = sqlx::query("SELECT id, parent_id FROM driver_nodes WHERE initiative_id = $1")
        .bind(initiative.get())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("parent_id")?)))
        .collect::<Result<_, StoreError>>()?;
    if !all.iter().any(|(id, _)| *id == node) {
        return Ok(false);
    }
    // The node and its descendants, children before parents for the deletes.
    let mut doomed = vec![node];
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i];
        doomed.extend(all.iter().filter(|(_, p)| *p == Some(parent)).map(|(id, _)| *id));
        i += 1;
    }
    for id in doomed.iter().rev() {
        sqlx::query("DELETE FROM driver_links WHERE node_id = $1").bind(*id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM driver_nodes WHERE id = $1").bind(*id).execute(&mut *tx).await?;
    }
    audit_change(&mut tx, db, by, initiative, format!("Node {node} removed with {} below it", doomed.len() - 1))
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Links a PDSA cycle to a change idea, or a measure to a driver (both checked by the caller to be
/// this initiative's). `false` if already linked.
pub async fn link(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    node: i64,
    kind: &str,
    ref_id: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let added =
        sqlx::query("INSERT INTO driver_links (node_id, kind, ref_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(node)
            .bind(kind.to_owned())
            .bind(ref_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
    if added {
        audit_change(&mut tx, db, by, initiative, format!("Node {node} linked to {kind} {ref_id}")).await?;
    }
    tx.commit().await?;
    Ok(added)
}
