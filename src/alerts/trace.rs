//! A trace — the money trail of one original alert — as hops with amounts and totals, and as a
//! graph of accounts and transfers (JSON or Graphviz DOT).

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{AlertRow, OutcomeKind, OutcomeRow};
use crate::domain::{AlertId, Currency, Money, OrgId};

/// One hop: a transfer from one account to the next and what the receiving bank did.
#[derive(Serialize, ToSchema, Debug)]
pub struct Hop {
    pub alert_id: AlertId,
    pub parent_alert_id: Option<AlertId>,
    pub hop: i32,
    pub sender_id: OrgId,
    pub sender: String,
    pub receiver_id: Option<OrgId>,
    pub receiver: Option<String>,
    pub from_account: Option<String>,
    pub to_account: Option<String>,
    pub received: Money,
    pub frozen_minor: i64,
    pub returned_minor: i64,
    pub moved_on_minor: i64,
    /// When the transfer was executed, as its sender stated.
    pub executed_at: DateTime<Utc>,
    /// The transfer's UETR and end-to-end identification, where its sender gave them.
    pub uetr: Option<String>,
    pub end_to_end_id: Option<String>,
    /// When the alert reached the receiving bank.
    pub received_at: DateTime<Utc>,
    pub first_outcome_at: Option<DateTime<Utc>>,
    pub outcomes: Vec<OutcomeKind>,
}

/// Totals of a trace, over every hop.
#[derive(Serialize, ToSchema, Debug)]
pub struct Totals {
    #[schema(value_type = String)]
    pub currency: Currency,
    pub original_loss_minor: i64,
    pub frozen_minor: i64,
    pub returned_minor: i64,
    /// Original loss not frozen or returned anywhere along the trail.
    pub unaccounted_minor: i64,
}

/// `GET /fraud-traces/{id}`.
#[derive(Serialize, ToSchema, Debug)]
pub struct Trace {
    pub id: AlertId,
    /// The hops you may see (all for the public sector; those a bank sent or received).
    pub hops: Vec<Hop>,
    pub totals: Totals,
}

/// An account of the graph.
#[derive(Serialize, ToSchema, Debug)]
pub struct Node {
    pub id: String,
    pub bank: Option<String>,
}

/// A transfer of the graph.
#[derive(Serialize, ToSchema, Debug)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub amount: Money,
    pub alert_id: AlertId,
    pub frozen_minor: i64,
    pub returned_minor: i64,
}

/// `GET /fraud-traces/{id}/graph`.
#[derive(Serialize, ToSchema, Debug)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn sum(outcomes: &[&OutcomeRow], kind: OutcomeKind) -> i64 {
    outcomes.iter().filter(|o| o.outcome == kind).filter_map(|o| o.amount_minor).fold(0, i64::saturating_add)
}

/// Builds the trace from all its alerts; `visible` says which hops the reader may see
/// (totals always cover the whole trail). `None` for a trace without alerts.
pub fn build(
    id: AlertId,
    rows: &[AlertRow],
    outcomes: &[OutcomeRow],
    names: &HashMap<OrgId, String>,
    visible: impl Fn(&AlertRow) -> bool,
) -> Option<Trace> {
    let root = rows.iter().find(|r| r.parent_alert_id.is_none()).or(rows.first())?;
    let mut hops = Vec::new();
    let (mut frozen, mut returned) = (0, 0);
    for r in rows {
        let mine: Vec<&OutcomeRow> = outcomes.iter().filter(|o| o.alert_id == r.id).collect();
        let (f, ret) = (sum(&mine, OutcomeKind::FundsFrozen), sum(&mine, OutcomeKind::FundsReturned));
        frozen += f;
        returned += ret;
        if !visible(r) {
            continue;
        }
        hops.push(Hop {
            alert_id: r.id,
            parent_alert_id: r.parent_alert_id,
            hop: r.hop,
            sender_id: r.sender_org_id,
            sender: names.get(&r.sender_org_id).cloned().unwrap_or_default(),
            receiver_id: r.receiver_org_id,
            receiver: r.receiver_org_id.and_then(|o| names.get(&o).cloned()),
            from_account: r.victim_iban.clone().map(String::from),
            to_account: r.beneficiary_iban.clone().map(String::from).or(r.beneficiary_account.clone()),
            received: Money { amount_minor: r.amount_minor, currency: r.currency.clone() },
            frozen_minor: f,
            returned_minor: ret,
            moved_on_minor: rows.iter().filter(|c| c.parent_alert_id == Some(r.id)).map(|c| c.amount_minor).sum(),
            executed_at: r.executed_at,
            uetr: r.uetr.clone(),
            end_to_end_id: r.end_to_end_id.clone(),
            received_at: r.created_at,
            first_outcome_at: r.first_outcome_at,
            outcomes: mine.iter().map(|o| o.outcome).collect(),
        });
    }
    let original = root.amount_minor;
    Some(Trace {
        id,
        hops,
        totals: Totals {
            currency: root.currency.clone(),
            original_loss_minor: original,
            frozen_minor: frozen,
            returned_minor: returned,
            unaccounted_minor: (original - frozen - returned).max(0),
        },
    })
}

/// The hops as accounts and transfers.
pub fn graph(trace: &Trace) -> Graph {
    let mut nodes: Vec<Node> = Vec::new();
    let mut add = |id: &str, bank: Option<String>| {
        if let Some(n) = nodes.iter_mut().find(|n| n.id == id) {
            if n.bank.is_none() {
                n.bank = bank;
            }
        } else {
            nodes.push(Node { id: id.to_string(), bank });
        }
    };
    let mut edges = Vec::new();
    for h in &trace.hops {
        let from = h.from_account.clone().unwrap_or_else(|| format!("victim of {}", h.sender));
        let to = h.to_account.clone().unwrap_or_default();
        add(&from, Some(h.sender.clone()));
        add(&to, h.receiver.clone());
        edges.push(Edge {
            from,
            to,
            amount: Money { amount_minor: h.received.amount_minor, currency: h.received.currency.clone() },
            alert_id: h.alert_id,
            frozen_minor: h.frozen_minor,
            returned_minor: h.returned_minor,
        });
    }
    Graph { nodes, edges }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT of the graph.
pub fn dot(g: &Graph) -> String {
    let mut out = String::from("digraph trace {\n  rankdir=LR;\n  node [shape=box];\n");
    for n in &g.nodes {
        let label = match &n.bank {
            Some(b) => format!("{}\\n{}", n.id, b),
            None => n.id.clone(),
        };
        let _ = writeln!(out, "  {} [label={}];", quote(&n.id), quote(&label).replace("\\\\n", "\\n"));
    }
    for e in &g.edges {
        let label = format!(
            "{} {}{}{}",
            e.amount.amount_minor as f64 / 100.0,
            e.amount.currency,
            if e.frozen_minor > 0 { format!(", frozen {}", e.frozen_minor as f64 / 100.0) } else { String::new() },
            if e.returned_minor > 0 {
                format!(", returned {}", e.returned_minor as f64 / 100.0)
            } else {
                String::new()
            },
        );
        let _ = writeln!(out, "  {} -> {} [label={}];", quote(&e.from), quote(&e.to), quote(&label));
    }
    out.push_str("}\n");
    out
}
