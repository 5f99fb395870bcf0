//! The published tables, computed from the items of a closed period and held to the floor:
//!
//! | table | period | cells | figures |
//! |---|---|---|---|
//! | `reports-by-category` | month | category × reporter country, margins | reports, losses |
//! | `losses-by-category` | quarter | category, total | reports, losses, median loss |
//! | `alert-funnel` | month | sender country → receiver country, margins | alerts, amounts, acted, frozen, returned, recovered share |
//! | `time-to-first-outcome` | quarter | receiver country, total | alerts, median and 90th percentile seconds to the first outcome |
//! | `indicators-by-type` | month | indicator type, total | new indicators; look-ups and the share that found something |
//! | `proceeds-hops` | quarter | sender country → receiver country, margins | alerts, onward hops, amounts |
//! | `receivers-by-bank` | quarter | receiving bank (regulators only, no floor) | alerts, times, frozen, returned, recovered share |
//!
//! The quarter tables add up the months' cells, which were published when each month closed:
//! each quarter is decided in one family with its three months (`grid::publish`), the months'
//! published figures fixed and their withheld ones withheld again. Losses and amounts are those
//! in the tables' currency; other currencies' items are counted, their amounts not summed.

use std::collections::BTreeMap;

use super::disclosure::Floor;
use super::grid::{
    self, count, key, publish, quantile_of, share, sum, two_way, Atoms, Cell, Figure, Member, Part, Shape,
};
use crate::domain::{Category, IndicatorType, OrgId};

/// A report as the tables count it: its category, its reporter's organisation and country,
/// its month within the period (0, 1, 2) and its loss in the tables' currency.
#[derive(Debug, Clone)]
pub struct ReportItem {
    pub category: Category,
    pub org: OrgId,
    pub country: String,
    pub month: u32,
    pub loss_minor: Option<i64>,
}

/// An alert between two members as the tables count it. Outcomes are those recorded by the
/// time the tables are computed; amounts those in the tables' currency.
#[derive(Debug, Clone)]
pub struct AlertItem {
    pub sender: OrgId,
    pub sender_country: String,
    pub receiver: OrgId,
    pub receiver_country: String,
    pub month: u32,
    /// 1 for the victim's bank's alert, 2 and more for the proceeds moved on.
    pub hop: i32,
    pub amount_minor: Option<i64>,
    pub acted: bool,
    /// Frozen (or returned) and the amount, when in the tables' currency.
    pub frozen: Option<Option<i64>>,
    pub returned: Option<Option<i64>>,
    pub seconds_to_first_outcome: Option<i64>,
}

/// An indicator first reported in the period, by the organisation that reported it first.
#[derive(Debug, Clone)]
pub struct IndicatorItem {
    pub kind: IndicatorType,
    pub org: OrgId,
}

/// One look-up call: who made it, how many values it asked about, how many it found.
#[derive(Debug, Clone)]
pub struct LookupItem {
    pub org: OrgId,
    pub values: u64,
    pub found: u64,
}

const REPORTS: &[Figure] = &[count("reports", None), sum("loss_minor", "reports", None)];
const LOSSES: &[Figure] = &[
    count("reports", None),
    sum("loss_minor", "reports", None),
    quantile_of("median_loss_minor", 0.5, "reports", true),
];
/// Alerts are counted for their sender and, unpublished, for their receiver: a cell needs
/// enough of both, or one bank's received alerts (its mule accounts) would show.
const FUNNEL: &[Figure] = &[
    count("alerts", Some("alerts_received")),
    sum("amount_minor", "alerts", Some("amount_received")),
    count("acted", None),
    count("frozen", None),
    count("returned", None),
    sum("frozen_minor", "frozen", None),
    sum("returned_minor", "returned", None),
    share("recovered_share", &["frozen_minor", "returned_minor"], "amount_minor"),
];
const TIMES: &[Figure] = &[
    count("alerts", Some("alerts_received")),
    quantile_of("median_seconds", 0.5, "alerts", false),
    quantile_of("p90_seconds", 0.9, "alerts", false),
];
const HOPS: &[Figure] = &[
    count("alerts", Some("alerts_received")),
    count("onward", None),
    sum("amount_minor", "alerts", Some("amount_received")),
];
const NEW_INDICATORS: &[Figure] = &[count("new_indicators", None)];
const LOOKUPS: &[Figure] =
    &[count("lookups", None), count("lookups_found", None), share("found_share", &["lookups_found"], "lookups")];
const BY_BANK: &[Figure] = &[
    count("alerts", None),
    quantile_of("median_seconds", 0.5, "alerts", false),
    quantile_of("p90_seconds", 0.9, "alerts", false),
    count("frozen", None),
    count("returned", None),
    sum("amount_minor", "alerts", None),
    sum("frozen_minor", "frozen", None),
    sum("returned_minor", "returned", None),
    share("recovered_share", &["frozen_minor", "returned_minor"], "amount_minor"),
];

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn categories() -> Vec<&'static str> {
    Category::ALL.iter().map(|c| c.as_str()).collect()
}

fn index_of(v: &[String], x: &str) -> Option<usize> {
    v.iter().position(|c| c == x)
}

/// Reports over atoms month × category × country.
/// `one_month`: every item in the first (a month's own table).
fn report_parts(items: &[ReportItem], countries: &[String], one_month: bool) -> Atoms {
    let per_month = Category::ALL.len() * countries.len();
    Atoms::count(items.iter().flat_map(|i| {
        let c = Category::ALL.iter().position(|c| *c == i.category).unwrap_or(0);
        let month = if one_month { 0 } else { i.month as usize };
        let atom = index_of(countries, &i.country).map(|k| month * per_month + c * countries.len() + k);
        let mut parts = Vec::new();
        if let Some(atom) = atom {
            parts.push(Part::count("reports", atom, i.org, 1));
            if let Some(loss) = i.loss_minor {
                parts.push(Part::value("loss_minor", atom, i.org, loss));
                parts.push(Part::value("median_loss_minor", atom, i.org, loss));
            }
        }
        parts
    }))
}

/// The month table's cells over the atoms of month `m`.
fn report_month_shapes(countries: &[String], m: usize) -> Vec<Shape> {
    let per_month = Category::ALL.len() * countries.len();
    two_way(("category", "country"), &categories(), &strs(countries), |c, k| m * per_month + c * countries.len() + k)
}

/// `reports-by-category` for one month: `items` are that month's reports (`month` 0);
/// `countries` the countries of the platform's members (the grid, whether or not a cell has
/// reports).
pub fn reports_by_category(floor: &Floor, unit: i64, countries: &[String], items: &[ReportItem]) -> Vec<Cell> {
    let atoms = report_parts(items, countries, true);
    let member = Member { figures: REPORTS, shapes: report_month_shapes(countries, 0), earlier: None };
    publish(floor, unit, Category::ALL.len() * countries.len(), &atoms, &[member]).remove(0)
}

/// The three months as published, members of a quarter's family.
fn months_of<'a>(
    figures: &'a [Figure],
    months: Option<&'a [Vec<Cell>; 3]>,
    shapes: impl Fn(usize) -> Vec<Shape>,
) -> Vec<Member<'a>> {
    months
        .map(|months| {
            (0..3).map(|m| Member { figures, shapes: shapes(m), earlier: Some(months[m].as_slice()) }).collect()
        })
        .unwrap_or_default()
}

/// `losses-by-category` for one quarter: `items` are the quarter's reports (`month` 0 to 2);
/// `months` the three months' published `reports-by-category` cells (none: the caller's own
/// figures, which nothing is published beside).
pub fn losses_by_category(
    floor: &Floor,
    unit: i64,
    countries: &[String],
    items: &[ReportItem],
    months: Option<&[Vec<Cell>; 3]>,
) -> Vec<Cell> {
    let per_month = Category::ALL.len() * countries.len();
    let atoms = report_parts(items, countries, false);
    let mut members = months_of(REPORTS, months, |m| report_month_shapes(countries, m));
    let mut shapes: Vec<Shape> = Category::ALL
        .iter()
        .enumerate()
        .map(|(c, category)| Shape {
            key: key(&[("category", category.as_str())]),
            atoms: (0..3)
                .flat_map(|m| (0..countries.len()).map(move |k| m * per_month + c * countries.len() + k))
                .collect(),
        })
        .collect();
    shapes.push(Shape { key: key(&[("category", "*")]), atoms: (0..3 * per_month).collect() });
    members.push(Member { figures: LOSSES, shapes, earlier: None });
    publish(floor, unit, 3 * per_month, &atoms, &members).pop().unwrap_or_default()
}

/// Alerts over atoms month × sender country × receiver country.
/// `one_month`: every item in the first (a month's own table).
fn alert_parts(items: &[AlertItem], countries: &[String], one_month: bool) -> Atoms {
    let n = countries.len();
    Atoms::count(items.iter().flat_map(|i| {
        let mut parts = Vec::new();
        let (Some(s), Some(r)) = (index_of(countries, &i.sender_country), index_of(countries, &i.receiver_country))
        else {
            return parts;
        };
        let atom = if one_month { 0 } else { i.month as usize * n * n } + s * n + r;
        parts.push(Part::count("alerts", atom, i.sender, 1));
        parts.push(Part::count("alerts_received", atom, i.receiver, 1));
        if let Some(a) = i.amount_minor {
            parts.push(Part::value("amount_minor", atom, i.sender, a));
            parts.push(Part::value("amount_received", atom, i.receiver, a));
        }
        if i.acted {
            parts.push(Part::count("acted", atom, i.receiver, 1));
        }
        if i.hop > 1 {
            parts.push(Part::count("onward", atom, i.sender, 1));
        }
        outcome_parts(i, atom, &mut parts);
        parts
    }))
}

/// An alert's outcomes, counted for its receiver: frozen and returned with their amounts, and
/// the time to its first outcome.
fn outcome_parts(i: &AlertItem, atom: usize, parts: &mut Vec<Part>) {
    for (name, money, outcome) in [("frozen", "frozen_minor", i.frozen), ("returned", "returned_minor", i.returned)] {
        if let Some(amount) = outcome {
            parts.push(Part::count(name, atom, i.receiver, 1));
            if let Some(a) = amount {
                parts.push(Part::value(money, atom, i.receiver, a));
            }
        }
    }
    if let Some(secs) = i.seconds_to_first_outcome {
        parts.push(Part::value("median_seconds", atom, i.receiver, secs));
        parts.push(Part::value("p90_seconds", atom, i.receiver, secs));
    }
}

fn funnel_month_shapes(countries: &[String], m: usize) -> Vec<Shape> {
    let n = countries.len();
    two_way(("from", "to"), &strs(countries), &strs(countries), |s, r| m * n * n + s * n + r)
}

/// `alert-funnel` for one month (`month` 0): alerts between members per sender country →
/// receiver country.
pub fn alert_funnel(floor: &Floor, unit: i64, countries: &[String], items: &[AlertItem]) -> Vec<Cell> {
    let atoms = alert_parts(items, countries, true);
    let member = Member { figures: FUNNEL, shapes: funnel_month_shapes(countries, 0), earlier: None };
    publish(floor, unit, countries.len().pow(2), &atoms, &[member]).remove(0)
}

/// The quarter's alert tables, decided in one family with the three months' published funnels:
/// `time-to-first-outcome` and `proceeds-hops`, in that order.
pub fn alert_quarter(
    floor: &Floor,
    unit: i64,
    countries: &[String],
    items: &[AlertItem],
    months: Option<&[Vec<Cell>; 3]>,
) -> (Vec<Cell>, Vec<Cell>) {
    let n = countries.len();
    let atoms = alert_parts(items, countries, false);
    let mut members = months_of(FUNNEL, months, |m| funnel_month_shapes(countries, m));
    let to = |r: usize| (0..3).flat_map(move |m| (0..n).map(move |s| m * n * n + s * n + r));
    let mut times: Vec<Shape> =
        (0..n).map(|r| Shape { key: key(&[("to", countries[r].as_str())]), atoms: to(r).collect() }).collect();
    times.push(Shape { key: key(&[("to", "*")]), atoms: (0..3 * n * n).collect() });
    members.push(Member { figures: TIMES, shapes: times, earlier: None });
    let hops = two_way(("from", "to"), &strs(countries), &strs(countries), |s, r| s * n + r)
        .into_iter()
        .map(|shape| Shape {
            atoms: shape.atoms.iter().flat_map(|a| (0..3).map(move |m| m * n * n + a)).collect(),
            key: shape.key,
        })
        .collect();
    members.push(Member { figures: HOPS, shapes: hops, earlier: None });
    let mut out = publish(floor, unit, 3 * n * n, &atoms, &members);
    let hops = out.pop().unwrap_or_default();
    (out.pop().unwrap_or_default(), hops)
}

/// `indicators-by-type` for one month: indicators first reported in it, per type, and the
/// month's look-ups with the share that found something.
pub fn indicators_by_type(floor: &Floor, indicators: &[IndicatorItem], lookups: &[LookupItem]) -> Vec<Cell> {
    let types = IndicatorType::ALL;
    let lookup_atom = types.len();
    let mut parts: Vec<Part> = indicators
        .iter()
        .map(|i| Part::count("new_indicators", types.iter().position(|t| *t == i.kind).unwrap_or(0), i.org, 1))
        .collect();
    for l in lookups {
        parts.push(Part::count("lookups", lookup_atom, l.org, l.values));
        if l.found > 0 {
            parts.push(Part::count("lookups_found", lookup_atom, l.org, l.found));
        }
    }
    let atoms = Atoms::count(parts);
    let mut shapes: Vec<Shape> = types
        .iter()
        .enumerate()
        .map(|(t, kind)| Shape { key: key(&[("type", kind.as_str())]), atoms: vec![t] })
        .collect();
    shapes.push(Shape { key: key(&[("type", "*")]), atoms: (0..types.len()).collect() });
    let members = [
        Member { figures: NEW_INDICATORS, shapes, earlier: None },
        Member {
            figures: LOOKUPS,
            shapes: vec![Shape { key: key(&[("type", "*")]), atoms: vec![lookup_atom] }],
            earlier: None,
        },
    ];
    grid::merged(publish(floor, 1, types.len() + 1, &atoms, &members))
}

/// `receivers-by-bank` for one quarter, for regulators: every receiving bank's figures, no floor.
pub fn receivers_by_bank(unit: i64, banks: &BTreeMap<OrgId, String>, items: &[AlertItem]) -> Vec<Cell> {
    let index: BTreeMap<&OrgId, usize> = banks.keys().enumerate().map(|(b, id)| (id, b)).collect();
    let atoms = Atoms::count(items.iter().flat_map(|i| {
        let mut parts = Vec::new();
        let Some(&b) = index.get(&i.receiver) else { return parts };
        parts.push(Part::count("alerts", b, i.receiver, 1));
        if let Some(a) = i.amount_minor {
            parts.push(Part::value("amount_minor", b, i.receiver, a));
        }
        outcome_parts(i, b, &mut parts);
        parts
    }));
    let shapes =
        banks.values().enumerate().map(|(b, name)| Shape { key: key(&[("bank", name)]), atoms: vec![b] }).collect();
    publish(&Floor::none(), unit, banks.len(), &atoms, &[Member { figures: BY_BANK, shapes, earlier: None }]).remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::disclosure::tests::safe;
    use crate::statistics::disclosure::Withheld;
    use proptest::prelude::*;

    const CATEGORIES: [Category; 3] = [Category::Phishing, Category::InvestmentFraud, Category::RomanceScam];

    fn items() -> impl Strategy<Value = Vec<ReportItem>> {
        proptest::collection::vec(
            (0usize..3, 0u128..6, 0usize..2, 0u32..3, proptest::option::of(1i64..5_000_000)),
            0..120,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(c, org, k, month, loss_minor)| ReportItem {
                    category: CATEGORIES[c],
                    org: OrgId(uuid::Uuid::from_u128(org + 1)),
                    country: ["XK", "AL"][k].to_string(),
                    month,
                    loss_minor,
                })
                .collect()
        })
    }

    fn countries() -> Vec<String> {
        vec!["AL".into(), "XK".into()]
    }

    /// The figures a cell holds, recomputed from the items: (reports, organisations).
    fn truth(items: &[ReportItem], cell: &Cell) -> (u64, usize) {
        let mine: Vec<&ReportItem> = items
            .iter()
            .filter(|i| cell.key.get("category").is_none_or(|c| c == "*" || c == i.category.as_str()))
            .filter(|i| cell.key.get("country").is_none_or(|c| c == "*" || *c == i.country))
            .collect();
        let orgs: std::collections::BTreeSet<OrgId> = mine.iter().map(|i| i.org).collect();
        (mine.len() as u64, orgs.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]

        /// Three months and their quarter, as the job computes them: no published count below
        /// the floor, every count true, and no withheld count of any of the four tables follows
        /// from the published counts of all four (exactly, over the quarter's atoms).
        #[test]
        fn no_published_cell_is_below_the_floor_and_no_withheld_one_can_be_computed(items in items()) {
            let floor = Floor::default();
            let countries = countries();
            let months: Vec<Vec<ReportItem>> =
                (0..3).map(|m| items.iter().filter(|i| i.month == m).cloned().collect()).collect();
            let tables: Vec<Vec<Cell>> = months.iter().map(|m| reports_by_category(&floor, 100_000, &countries, m)).collect();
            let quarter = losses_by_category(&floor, 100_000, &countries, &items, Some(&[tables[0].clone(), tables[1].clone(), tables[2].clone()]));
            for (m, table) in tables.iter().enumerate() {
                for cell in table {
                    let (n, orgs) = truth(&months[m], cell);
                    if let Some(shown) = cell.int("reports") {
                        prop_assert_eq!(shown as u64, n);
                        prop_assert!(n == 0 || (n >= floor.min_count && orgs as u64 >= floor.min_orgs), "{:?}", cell);
                    } else {
                        prop_assert!(cell.withheld.contains_key("reports") && !cell.values.contains_key("loss_minor"));
                    }
                }
            }
            for cell in &quarter {
                let (n, orgs) = truth(&items, cell);
                if let Some(shown) = cell.int("reports") {
                    prop_assert_eq!(shown as u64, n);
                    prop_assert!(n == 0 || (n >= floor.min_count && orgs as u64 >= floor.min_orgs));
                }
                if cell.values.contains_key("median_loss_minor") {
                    let losses = items.iter().filter(|i| i.loss_minor.is_some())
                        .filter(|i| cell.key["category"] == "*" || cell.key["category"] == i.category.as_str()).count();
                    prop_assert!(losses >= 20);
                }
            }
            // The family over the quarter's atoms: every cell's atoms and whether it is withheld.
            let per_month = Category::ALL.len() * countries.len();
            let mut sets = Vec::new();
            let mut withheld = Vec::new();
            for (m, table) in tables.iter().enumerate() {
                for (shape, cell) in report_month_shapes(&countries, m).iter().zip(table) {
                    prop_assert_eq!(&shape.key, &cell.key);
                    sets.push(shape.atoms.clone());
                    withheld.push(!cell.values.contains_key("reports"));
                }
            }
            for cell in &quarter {
                let c = cell.key["category"].as_str();
                let atoms: Vec<usize> = (0..3).flat_map(|m| (0..per_month).map(move |a| m * per_month + a))
                    .filter(|a| c == "*" || Category::ALL[(a % per_month) / countries.len()].as_str() == c)
                    .collect();
                sets.push(atoms);
                withheld.push(!cell.values.contains_key("reports"));
            }
            prop_assert!(safe(3 * per_month, &sets, &withheld));
        }
    }

    fn alerts() -> impl Strategy<Value = Vec<AlertItem>> {
        let one = (0u128..5, 0usize..2, 0u128..5, 0usize..2, 0u32..3, 1i32..3, 1i64..2_000_000, 0u8..4, 0i64..100_000);
        proptest::collection::vec(one, 0..160).prop_map(|v| {
            v.into_iter()
                .map(|(s, sc, r, rc, month, hop, amount, outcome, secs)| AlertItem {
                    sender: OrgId(uuid::Uuid::from_u128(s + 1)),
                    sender_country: ["XK", "AL"][sc].to_string(),
                    receiver: OrgId(uuid::Uuid::from_u128(r + 10)),
                    receiver_country: ["XK", "AL"][rc].to_string(),
                    month,
                    hop,
                    amount_minor: Some(amount),
                    acted: outcome > 0,
                    frozen: (outcome == 1).then_some(Some(amount / 2)),
                    returned: (outcome == 2).then_some(Some(amount)),
                    seconds_to_first_outcome: (outcome > 0).then_some(secs),
                })
                .collect()
        })
    }

    /// For each additive figure of a family: no withheld figure follows from the published ones
    /// of every member (exactly).
    fn family_safe(atoms: usize, members: &[(Vec<Shape>, &[Cell])], figures: &[&str]) -> bool {
        figures.iter().all(|f| {
            let (mut sets, mut withheld) = (Vec::new(), Vec::new());
            for (shapes, cells) in members {
                for (shape, cell) in shapes.iter().zip(cells.iter()) {
                    if cell.values.contains_key(*f) || cell.withheld.contains_key(*f) {
                        sets.push(shape.atoms.clone());
                        withheld.push(!cell.values.contains_key(*f));
                    }
                }
            }
            safe(atoms, &sets, &withheld)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// The alert tables of a quarter (three funnels, then the times and the hops decided with
        /// them): every published count has enough alerts from enough senders and receivers, every
        /// published sum passes the p% rule for its contributors, and no withheld count or sum
        /// of any of the five tables follows from the published figures of all five.
        #[test]
        fn the_alert_tables_of_a_quarter_hold_the_floor_together(items in alerts()) {
            let floor = Floor::default();
            let countries = countries();
            let n = countries.len();
            let months: Vec<Vec<AlertItem>> = (0..3)
                .map(|m| items.iter().filter(|i| i.month == m).map(|i| AlertItem { month: 0, ..i.clone() }).collect())
                .collect();
            let funnels: Vec<Vec<Cell>> = months.iter().map(|m| alert_funnel(&floor, 100_000, &countries, m)).collect();
            let published: [Vec<Cell>; 3] = [funnels[0].clone(), funnels[1].clone(), funnels[2].clone()];
            let (times, hops) = alert_quarter(&floor, 100_000, &countries, &items, Some(&published));
            let within = |cell: &Cell, i: &AlertItem| {
                cell.key.get("from").is_none_or(|c| c == "*" || *c == i.sender_country)
                    && cell.key.get("to").is_none_or(|c| c == "*" || *c == i.receiver_country)
            };
            let check = |cell: &Cell, items: &[AlertItem]| -> Result<(), TestCaseError> {
                let mine: Vec<&AlertItem> = items.iter().filter(|i| within(cell, i)).collect();
                if let Some(shown) = cell.int("alerts") {
                    let senders: std::collections::BTreeSet<_> = mine.iter().map(|i| i.sender).collect();
                    let receivers: std::collections::BTreeSet<_> = mine.iter().map(|i| i.receiver).collect();
                    prop_assert_eq!(shown as usize, mine.len());
                    if !mine.is_empty() {
                        prop_assert!(mine.len() as u64 >= floor.min_count);
                        prop_assert!(senders.len() as u64 >= floor.min_orgs && receivers.len() as u64 >= floor.min_orgs);
                    }
                }
                if cell.values.contains_key("frozen_minor") {
                    let mut by: BTreeMap<OrgId, (u64, i64)> = BTreeMap::new();
                    for i in mine.iter().filter(|i| i.frozen.is_some()) {
                        let e = by.entry(i.receiver).or_default();
                        e.0 += 1;
                        e.1 += i.frozen.flatten().unwrap_or(0);
                    }
                    let c = crate::statistics::disclosure::Contributions { by_org: by.into_values().collect() };
                    prop_assert!(c.count() == 0 || (floor.amount_safe(&c) && c.count() >= floor.min_count));
                }
                if cell.values.contains_key("median_seconds") {
                    prop_assert!(mine.iter().filter(|i| i.seconds_to_first_outcome.is_some()).count() as u64 >= floor.median_min);
                }
                Ok(())
            };
            for (m, funnel) in funnels.iter().enumerate() {
                for cell in funnel {
                    check(cell, &months[m])?;
                }
            }
            for cell in times.iter().chain(&hops) {
                check(cell, &items)?;
            }
            let mut members: Vec<(Vec<Shape>, &[Cell])> =
                (0..3).map(|m| (funnel_month_shapes(&countries, m), funnels[m].as_slice())).collect();
            let to = |r: usize| (0..3).flat_map(move |m| (0..n).map(move |s| m * n * n + s * n + r)).collect::<Vec<_>>();
            let mut time_shapes: Vec<Shape> = (0..n).map(|r| Shape { key: key(&[("to", &countries[r])]), atoms: to(r) }).collect();
            time_shapes.push(Shape { key: key(&[("to", "*")]), atoms: (0..3 * n * n).collect() });
            for (shape, cell) in time_shapes.iter().zip(&times) {
                prop_assert_eq!(&shape.key, &cell.key);
            }
            members.push((time_shapes, times.as_slice()));
            let hop_shapes: Vec<Shape> = two_way(("from", "to"), &strs(&countries), &strs(&countries), |s, r| s * n + r)
                .into_iter()
                .map(|s| Shape { atoms: s.atoms.iter().flat_map(|a| (0..3).map(move |m| m * n * n + a)).collect(), key: s.key })
                .collect();
            members.push((hop_shapes, hops.as_slice()));
            prop_assert!(family_safe(3 * n * n, &members, &["alerts", "amount_minor", "acted", "frozen", "returned", "frozen_minor", "returned_minor", "onward"]));
        }
    }

    #[test]
    fn a_single_small_cell_takes_its_complements_with_it() {
        let floor = Floor::default();
        let org = |n: u128| OrgId(uuid::Uuid::from_u128(n));
        let item = |c: Category, o: u128, k: &str| ReportItem {
            category: c,
            org: org(o),
            country: k.into(),
            month: 0,
            loss_minor: Some(100_000),
        };
        // Phishing in XK: 6 reports from 3 banks; in AL: 1 report. Investment fraud: 6 and 6.
        let mut items: Vec<ReportItem> = (0..6).map(|n| item(Category::Phishing, n % 3, "XK")).collect();
        items.push(item(Category::Phishing, 1, "AL"));
        items.extend((0..6).map(|n| item(Category::InvestmentFraud, n % 3, "XK")));
        items.extend((0..6).map(|n| item(Category::InvestmentFraud, n % 3, "AL")));
        let cells = reports_by_category(&floor, 100_000, &countries(), &items);
        let find = |c: &str, k: &str| cells.iter().find(|x| x.key["category"] == c && x.key["country"] == k).unwrap();
        assert_eq!(find("phishing", "AL").withheld.get("reports"), Some(&Withheld::MinCount));
        assert_eq!(find("phishing", "AL").int("reports"), None);
        // Its row would give it away (the category's total less XK): a complement goes there.
        // Its column does not: the empty categories in AL are withheld too, so the column's
        // total leaves more than one figure unknown.
        let row = [find("phishing", "XK"), find("phishing", "*")];
        assert!(row.iter().any(|c| c.withheld.get("reports") == Some(&Withheld::Complementary)), "{cells:#?}");
        assert_eq!(find("investment_fraud", "XK").int("reports"), Some(6));
        // A true zero is published as such: it tells nothing of anyone.
        assert_eq!(find("ransomware", "XK").int("reports"), Some(0));
        let sets: Vec<Vec<usize>> = report_month_shapes(&countries(), 0).iter().map(|s| s.atoms.clone()).collect();
        let withheld: Vec<bool> = cells.iter().map(|c| !c.values.contains_key("reports")).collect();
        assert!(safe(Category::ALL.len() * 2, &sets, &withheld));
    }
}
