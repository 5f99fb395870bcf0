//! Tables as a family of cells over shared atoms, and the floor applied to all of them at once.
//!
//! A table has *figures* (reports, losses, alerts, a median, a share) and *cells* (a category in
//! a country, a category's margin, the total). Every cell adds up a set of *atoms*, the finest
//! cells of the family (for reports: category × reporter country × month). Items are counted
//! into atoms, per figure and per contributing organisation; a cell's figures are computed from
//! its atoms.
//!
//! A *family* is every table whose cells add up the same atoms, including tables published
//! earlier (a quarter's months): [`publish`] decides each additive figure (counts and sums) by
//! `disclosure::protect` over the whole family, the earlier tables' published cells fixed and
//! their withheld cells withheld again, so that no difference between any two tables, margins or
//! totals uncovers a figure. Quantiles and shares are not additive: each is published only where
//! what it is computed from is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::disclosure::{protect, rounded, Contributions, Floor, Withheld};
use crate::domain::OrgId;

/// How a figure is computed and held to the floor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Items counted; at least `min_count` from `min_orgs` organisations, and the same of the
    /// figure `also` counts (the same items counted for another organisation: an alert for its
    /// receiver as well as its sender), which is not published itself.
    Count { also: Option<&'static str> },
    /// A sum of amounts, rounded to the table's unit: withheld with the cell's `count` figure,
    /// or under the p% rule, for its contributors and for those of `also` (the same amounts
    /// counted for another organisation: an alert's amount for its receiver too).
    Sum { count: &'static str, also: Option<&'static str> },
    /// A quantile of values (0.5: the median), from `median_min` items of `min_orgs`
    /// organisations, withheld with the cell's `count` figure; `money` rounds it to the unit.
    Quantile { q: f64, count: &'static str, money: bool },
    /// `num` (a sum of figures) over `den`, in per cent with one decimal: published where all of
    /// them are.
    Share { num: &'static [&'static str], den: &'static str },
}

/// A figure of a table: its name on the wire (`reports`, `loss_minor`, ...) and its kind.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub name: &'static str,
    pub kind: Kind,
}

/// A count (`also`: see [`Kind::Count`]).
pub const fn count(name: &'static str, also: Option<&'static str>) -> Figure {
    Figure { name, kind: Kind::Count { also } }
}

/// A sum, withheld with `count` (`also`: see [`Kind::Sum`]).
pub const fn sum(name: &'static str, count: &'static str, also: Option<&'static str>) -> Figure {
    Figure { name, kind: Kind::Sum { count, also } }
}

/// A quantile, withheld with `count`.
pub const fn quantile_of(name: &'static str, q: f64, count: &'static str, money: bool) -> Figure {
    Figure { name, kind: Kind::Quantile { q, count, money } }
}

/// A share in per cent.
pub const fn share(name: &'static str, num: &'static [&'static str], den: &'static str) -> Figure {
    Figure { name, kind: Kind::Share { num, den } }
}

/// One item's part in a figure: its atom, the organisation it is counted for, how many items
/// it is and its value (the amount of a sum, the value of a quantile).
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub figure: &'static str,
    pub atom: usize,
    pub org: OrgId,
    items: u64,
    value: i64,
    keep: bool,
}

impl Part {
    /// `items` items of a count.
    pub fn count(figure: &'static str, atom: usize, org: OrgId, items: u64) -> Part {
        Part { figure, atom, org, items, value: items as i64, keep: false }
    }

    /// One value of a sum or a quantile.
    pub fn value(figure: &'static str, atom: usize, org: OrgId, value: i64) -> Part {
        Part { figure, atom, org, items: 1, value, keep: true }
    }
}

/// What the items put in one atom for one figure.
#[derive(Debug, Clone, Default)]
struct Agg {
    by_org: BTreeMap<OrgId, (u64, i64)>,
    values: Vec<i64>,
}

impl Agg {
    fn add(&mut self, other: &Agg) {
        for (org, (n, v)) in &other.by_org {
            let e = self.by_org.entry(*org).or_default();
            e.0 += n;
            e.1 = e.1.saturating_add(*v);
        }
        self.values.extend_from_slice(&other.values);
    }

    fn contributions(&self) -> Contributions {
        Contributions { by_org: self.by_org.values().copied().collect() }
    }
}

/// The items of a family, counted into atoms: per figure, per atom.
#[derive(Debug, Default)]
pub struct Atoms {
    aggs: BTreeMap<&'static str, BTreeMap<usize, Agg>>,
}

impl Atoms {
    pub fn count(parts: impl IntoIterator<Item = Part>) -> Atoms {
        let mut atoms = Atoms::default();
        for p in parts {
            let agg = atoms.aggs.entry(p.figure).or_default().entry(p.atom).or_default();
            let e = agg.by_org.entry(p.org).or_default();
            e.0 += p.items;
            e.1 = e.1.saturating_add(p.value);
            if p.keep {
                agg.values.push(p.value);
            }
        }
        atoms
    }

    /// A figure over a set of atoms.
    fn over(&self, figure: &str, atoms: &[usize]) -> Agg {
        let mut out = Agg::default();
        if let Some(by_atom) = self.aggs.get(figure) {
            for a in atoms {
                if let Some(agg) = by_atom.get(a) {
                    out.add(agg);
                }
            }
        }
        out
    }
}

/// A cell's coordinates (`*` for a margin) and the atoms it adds up.
#[derive(Debug, Clone)]
pub struct Shape {
    pub key: BTreeMap<String, String>,
    pub atoms: Vec<usize>,
}

pub fn key(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The cells of a two-way table with its margins and total: rows × columns, each row's and
/// each column's total, the grand total. `atom(r, c)` numbers the atoms.
pub fn two_way(dims: (&str, &str), rows: &[&str], cols: &[&str], atom: impl Fn(usize, usize) -> usize) -> Vec<Shape> {
    let mut shapes = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, col) in cols.iter().enumerate() {
            shapes.push(Shape { key: key(&[(dims.0, row), (dims.1, col)]), atoms: vec![atom(r, c)] });
        }
        shapes.push(Shape {
            key: key(&[(dims.0, row), (dims.1, "*")]),
            atoms: (0..cols.len()).map(|c| atom(r, c)).collect(),
        });
    }
    for (c, col) in cols.iter().enumerate() {
        shapes.push(Shape {
            key: key(&[(dims.0, "*"), (dims.1, col)]),
            atoms: (0..rows.len()).map(|r| atom(r, c)).collect(),
        });
    }
    let every = (0..rows.len()).flat_map(|r| (0..cols.len()).map(move |c| (r, c))).map(|(r, c)| atom(r, c)).collect();
    shapes.push(Shape { key: key(&[(dims.0, "*"), (dims.1, "*")]), atoms: every });
    shapes
}

/// One published cell: its coordinates, the figures published and the reason each withheld one
/// is withheld. A withheld figure has no value (never a zero).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Cell {
    /// The cell's coordinates, e.g. `{"category": "phishing", "country": "XK"}`; `*`: all.
    pub key: BTreeMap<String, String>,
    /// The published figures by name (counts, rounded sums in minor units, quantiles, shares in
    /// per cent).
    #[schema(value_type = BTreeMap<String, f64>)]
    pub values: BTreeMap<String, serde_json::Number>,
    /// The withheld figures by name, with the reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub withheld: BTreeMap<String, Withheld>,
}

impl Cell {
    pub fn int(&self, figure: &str) -> Option<i64> {
        self.values.get(figure).and_then(|n| n.as_i64())
    }

    pub fn number(&self, figure: &str) -> Option<f64> {
        self.values.get(figure).and_then(|n| n.as_f64())
    }
}

/// A table of the family: its figures and cells, and, for a table published earlier, the
/// cells as published (their figures are fixed; their withheld figures stay withheld).
pub struct Member<'a> {
    pub figures: &'a [Figure],
    pub shapes: Vec<Shape>,
    pub earlier: Option<&'a [Cell]>,
}

/// Decides every figure of every cell of the family under `floor`; returns each member's cells.
pub fn publish(floor: &Floor, unit: i64, atoms: usize, items: &Atoms, members: &[Member]) -> Vec<Vec<Cell>> {
    let mut cells: Vec<Vec<Cell>> = members
        .iter()
        .map(|m| {
            m.shapes
                .iter()
                .map(|s| Cell { key: s.key.clone(), values: BTreeMap::new(), withheld: BTreeMap::new() })
                .collect()
        })
        .collect();
    // An empty cell (no item in any figure) publishes its zeros: they tell nothing of anyone. A
    // zero in a cell with items (no alert acted on, of a few) is a figure like any other.
    let empty: Vec<Vec<bool>> = members
        .iter()
        .map(|m| {
            m.shapes.iter().map(|s| m.figures.iter().all(|f| items.over(f.name, &s.atoms).by_org.is_empty())).collect()
        })
        .collect();
    let earlier_cell = |m: &Member, s: &Shape| m.earlier.and_then(|e| e.iter().find(|c| c.key == s.key)).cloned();
    // The additive figures, counts first (a sum is withheld with its count), each over the family.
    let mut names: Vec<(&'static str, Kind)> = Vec::new();
    for pass in [true, false] {
        for m in members {
            for f in m.figures {
                let additive = matches!(f.kind, Kind::Count { .. }) == pass
                    && matches!(f.kind, Kind::Count { .. } | Kind::Sum { .. });
                if additive && !names.iter().any(|(n, _)| *n == f.name) {
                    names.push((f.name, f.kind));
                }
            }
        }
    }
    for (name, _) in &names {
        let mut at: Vec<(usize, usize)> = Vec::new();
        let (mut sets, mut primary, mut value, mut fixed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (mi, m) in members.iter().enumerate() {
            let Some(figure) = m.figures.iter().find(|f| f.name == *name) else { continue };
            for (si, s) in m.shapes.iter().enumerate() {
                let agg = items.over(name, &s.atoms);
                let verdict = match (earlier_cell(m, s), figure.kind) {
                    (Some(e), _) if e.values.contains_key(*name) => None,
                    (Some(e), _) => Some(e.withheld.get(*name).copied().unwrap_or(Withheld::Complementary)),
                    (None, Kind::Count { .. }) if empty[mi][si] => None,
                    (None, Kind::Count { also }) => floor
                        .judge(&agg.contributions())
                        .or_else(|| also.and_then(|a| floor.judge(&items.over(a, &s.atoms).contributions()))),
                    (None, Kind::Sum { count, also }) => match cells[mi][si].withheld.get(count) {
                        Some(reason) => Some(*reason),
                        None if !floor.amount_safe(&agg.contributions()) => Some(Withheld::PPercent),
                        None if also.is_some_and(|a| !floor.amount_safe(&items.over(a, &s.atoms).contributions())) => {
                            Some(Withheld::PPercent)
                        }
                        None => None,
                    },
                    (None, _) => None,
                };
                at.push((mi, si));
                sets.push(s.atoms.clone());
                // Published before, or a true zero: never withheld (a zero withheld as a complement
                // would be known from the zeros around it, and hides nothing).
                fixed.push(verdict.is_none() && (m.earlier.is_some() || empty[mi][si]));
                value.push(agg.contributions().amount());
                primary.push(verdict);
            }
        }
        let withheld = protect(atoms, &sets, &primary.iter().map(Option::is_some).collect::<Vec<_>>(), &value, &fixed);
        for (i, (mi, si)) in at.into_iter().enumerate() {
            let cell = &mut cells[mi][si];
            if withheld[i] {
                cell.withheld.insert(name.to_string(), primary[i].unwrap_or(Withheld::Complementary));
            } else {
                let shown = match members[mi].figures.iter().find(|f| f.name == *name).map(|f| f.kind) {
                    Some(Kind::Sum { .. }) => rounded(value[i], unit),
                    _ => value[i],
                };
                cell.values.insert(name.to_string(), shown.into());
            }
        }
    }
    // Quantiles and shares, cell by cell.
    for (mi, m) in members.iter().enumerate() {
        for (si, s) in m.shapes.iter().enumerate() {
            for f in m.figures {
                let cell = &mut cells[mi][si];
                let verdict: Result<serde_json::Number, Withheld> = match f.kind {
                    Kind::Count { .. } | Kind::Sum { .. } => continue,
                    Kind::Quantile { q, count, money } => {
                        let agg = items.over(f.name, &s.atoms);
                        if let Some(reason) = cell.withheld.get(count) {
                            Err(*reason)
                        } else if !floor.median_allowed(agg.values.len() as u64) {
                            Err(Withheld::MedianMin)
                        } else if agg.contributions().orgs() < floor.min_orgs {
                            Err(Withheld::MinOrgs)
                        } else {
                            let v = quantile(agg.values, q);
                            Ok((if money { rounded(v, unit) } else { v }).into())
                        }
                    }
                    Kind::Share { num, den } => {
                        let missing = num.iter().chain([&den]).find_map(|n| cell.withheld.get(*n).copied());
                        match missing {
                            Some(reason) => Err(reason),
                            None => {
                                let total = |n: &str| items.over(n, &s.atoms).contributions().amount();
                                let d = total(den);
                                if d <= 0 {
                                    continue;
                                }
                                let n: i64 = num.iter().map(|n| total(n)).fold(0i64, i64::saturating_add);
                                let pct = (n as f64 * 1000.0 / d as f64).round() / 10.0;
                                serde_json::Number::from_f64(pct).ok_or(Withheld::Complementary)
                            }
                        }
                    }
                };
                match verdict {
                    Ok(v) => {
                        cell.values.insert(f.name.to_string(), v);
                    }
                    Err(reason) => {
                        cell.withheld.insert(f.name.to_string(), reason);
                    }
                }
            }
        }
    }
    cells
}

/// The q-quantile of `values` (nearest rank).
fn quantile(mut values: Vec<i64>, q: f64) -> i64 {
    values.sort_unstable();
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

/// The cells of several members' answers with the same coordinates merged into one (a table
/// whose cells come from two families, such as new indicators and look-ups).
pub fn merged(parts: Vec<Vec<Cell>>) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    for cell in parts.into_iter().flatten() {
        match out.iter_mut().find(|c| c.key == cell.key) {
            Some(c) => {
                c.values.extend(cell.values);
                c.withheld.extend(cell.withheld);
            }
            None => out.push(cell),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        assert_eq!(quantile(vec![5, 1, 3, 2, 4], 0.5), 3);
        assert_eq!(quantile((1..=20).collect(), 0.9), 18);
        assert_eq!(quantile(vec![7], 0.9), 7);
    }
}
