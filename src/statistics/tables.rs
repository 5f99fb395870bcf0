//! The published report tables, computed from the items of a closed period and held to the
//! floor (`disclosure`):
//!
//! - `reports-by-category` (a month): reports per category × reporter country, with their
//!   losses, and the margins per category, per country and the total;
//! - `losses-by-category` (a quarter): reports with a loss per category, the rounded sum and
//!   the median loss where 20 losses allow one, and the total. Its cells add up the months'
//!   category margins, which were published when each month closed: they are fixed, and a
//!   quarter's cell is withheld whenever it would give a withheld month's figure away.
//!
//! Counts and losses are protected separately (a cell may show its count and withhold its
//! losses). Losses are those in the tables' currency (`CYBERBRIDGE_STATS_CURRENCY`'s role is
//! played by `currency` here); other currencies' reports are counted, their losses not summed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::disclosure::{protect, rounded, Contributions, Floor, Withheld};
use crate::domain::{Category, OrgId};

/// A report as the tables count it: its category, its reporter's organisation and country,
/// the month it came in (1 to 12 within its year) and its loss in the tables' currency.
#[derive(Debug, Clone)]
pub struct ReportItem {
    pub category: Category,
    pub org: OrgId,
    pub country: String,
    pub month: u32,
    pub loss_minor: Option<i64>,
}

/// One cell of a published table: its coordinates (`*` for a margin), and its figures or the
/// reason each is withheld. A withheld figure is absent, never zero.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Cell {
    /// The cell's coordinates, e.g. `{"category": "phishing", "country": "XK"}`; `*`: all.
    pub key: BTreeMap<String, String>,
    pub reports: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports_withheld: Option<Withheld>,
    /// The sum of losses, rounded to the table's unit.
    pub loss_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_withheld: Option<Withheld>,
    /// The median loss (the quarter's table).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_loss_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_withheld: Option<Withheld>,
}

/// A cell as computed, before the floor: its atoms and who contributed what.
struct Raw {
    key: BTreeMap<String, String>,
    atoms: Vec<usize>,
    /// Per organisation: (reports, loss of those with one).
    counts: Contributions,
    losses: Contributions,
    loss_values: Vec<i64>,
}

fn key(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Adds `items` to the contributions of one cell.
fn contributions<'a>(items: impl Iterator<Item = &'a ReportItem>) -> (Contributions, Contributions, Vec<i64>) {
    let mut counts: BTreeMap<OrgId, (u64, i64)> = BTreeMap::new();
    let mut losses: BTreeMap<OrgId, (u64, i64)> = BTreeMap::new();
    let mut values = Vec::new();
    for i in items {
        counts.entry(i.org).or_default().0 += 1;
        if let Some(l) = i.loss_minor {
            let e = losses.entry(i.org).or_default();
            e.0 += 1;
            e.1 = e.1.saturating_add(l);
            values.push(l);
        }
    }
    (
        Contributions { by_org: counts.into_values().collect() },
        Contributions { by_org: losses.into_values().collect() },
        values,
    )
}

/// The floor applied to raw cells of one family: counts, then losses, each with complementary
/// suppression over the family (`fixed_counts`: cells whose counts were published before).
fn publish(floor: &Floor, unit: i64, atoms: usize, raws: &[Raw], fixed: &[bool], medians: bool) -> Vec<Cell> {
    let sets: Vec<Vec<usize>> = raws.iter().map(|r| r.atoms.clone()).collect();
    let primary: Vec<Option<Withheld>> = raws.iter().map(|r| floor.judge(&r.counts)).collect();
    let counts: Vec<i64> = raws.iter().map(|r| r.counts.count() as i64).collect();
    let withheld = protect(atoms, &sets, &primary.iter().map(Option::is_some).collect::<Vec<_>>(), &counts, fixed);
    // Losses: withheld with the count, or under the p% rule; then their complements.
    let loss_primary: Vec<Option<Withheld>> = raws
        .iter()
        .zip(&withheld)
        .zip(&primary)
        .map(|((r, w), p)| match (w, p) {
            (true, Some(reason)) => Some(*reason),
            (true, None) => Some(Withheld::Complementary),
            _ if !floor.amount_safe(&r.losses) && r.losses.count() > 0 => Some(Withheld::PPercent),
            _ => None,
        })
        .collect();
    let sums: Vec<i64> = raws.iter().map(|r| r.losses.amount()).collect();
    let loss_withheld = protect(
        atoms,
        &sets,
        &loss_primary.iter().map(Option::is_some).collect::<Vec<_>>(),
        &sums,
        &vec![false; raws.len()],
    );
    raws.iter()
        .enumerate()
        .map(|(i, r)| {
            let count_reason = withheld[i].then(|| primary[i].unwrap_or(Withheld::Complementary));
            let loss_reason = loss_withheld[i].then(|| loss_primary[i].unwrap_or(Withheld::Complementary));
            let (median_loss_minor, median_withheld) = if !medians {
                (None, None)
            } else if loss_reason.is_some() {
                (None, loss_reason)
            } else if !floor.median_allowed(r.loss_values.len() as u64) {
                (None, Some(Withheld::MedianMin))
            } else {
                let mut v = r.loss_values.clone();
                v.sort_unstable();
                (Some(rounded(v[v.len() / 2], unit)), None)
            };
            Cell {
                key: r.key.clone(),
                reports: (!withheld[i]).then_some(counts[i] as u64),
                reports_withheld: count_reason,
                loss_minor: (!loss_withheld[i]).then(|| rounded(sums[i], unit)),
                loss_withheld: loss_reason,
                median_loss_minor,
                median_withheld,
            }
        })
        .collect()
}

/// The month's cells over atoms (category × country): the atoms, the margins, the total.
fn month_cells(items: &[ReportItem], countries: &[String], offset: usize) -> Vec<Raw> {
    let categories = Category::ALL;
    let atom = |c: usize, k: usize| offset + c * countries.len() + k;
    let mut raws = Vec::new();
    let mut push = |key: BTreeMap<String, String>, atoms: Vec<usize>, select: &dyn Fn(&ReportItem) -> bool| {
        let (counts, losses, loss_values) = contributions(items.iter().filter(|i| select(i)));
        raws.push(Raw { key, atoms, counts, losses, loss_values });
    };
    for (c, category) in categories.iter().enumerate() {
        for (k, country) in countries.iter().enumerate() {
            push(key(&[("category", category.as_str()), ("country", country)]), vec![atom(c, k)], &|i| {
                i.category == *category && i.country == *country
            });
        }
        let all: Vec<usize> = (0..countries.len()).map(|k| atom(c, k)).collect();
        push(key(&[("category", category.as_str()), ("country", "*")]), all, &|i| i.category == *category);
    }
    for (k, country) in countries.iter().enumerate() {
        let all: Vec<usize> = (0..categories.len()).map(|c| atom(c, k)).collect();
        push(key(&[("category", "*"), ("country", country)]), all, &|i| i.country == *country);
    }
    let every: Vec<usize> = (0..categories.len() * countries.len()).map(|a| offset + a).collect();
    push(key(&[("category", "*"), ("country", "*")]), every, &|_| true);
    raws
}

/// `reports-by-category` for one month: `items` are that month's reports; `countries` the
/// countries of the platform's members (the grid, whether or not a cell has reports).
pub fn reports_by_category(floor: &Floor, unit: i64, countries: &[String], items: &[ReportItem]) -> Vec<Cell> {
    let raws = month_cells(items, countries, 0);
    let atoms = Category::ALL.len() * countries.len();
    publish(floor, unit, atoms, &raws, &vec![false; raws.len()], false)
}

/// `losses-by-category` for one quarter: `items` are the quarter's reports (their `month` the
/// first, second or third of the quarter, 0 to 2); `months` the three months' published
/// `reports-by-category` cells, whose figures are fixed.
pub fn losses_by_category(
    floor: &Floor,
    unit: i64,
    countries: &[String],
    items: &[ReportItem],
    months: &[Vec<Cell>; 3],
) -> Vec<Cell> {
    let per_month = Category::ALL.len() * countries.len();
    // The months' cells over the quarter's atoms, as they were published.
    let mut raws = Vec::new();
    let mut fixed = Vec::new();
    let mut primary_from_month = Vec::new();
    for (m, published) in months.iter().enumerate() {
        let month_items: Vec<ReportItem> = items.iter().filter(|i| i.month as usize == m).cloned().collect();
        for raw in month_cells(&month_items, countries, m * per_month) {
            let shown = published.iter().find(|c| c.key == raw.key).and_then(|c| c.reports);
            fixed.push(shown.is_some());
            primary_from_month.push(shown.is_none());
            raws.push(raw);
        }
    }
    let months_len = raws.len();
    let categories = Category::ALL;
    for (c, category) in categories.iter().enumerate() {
        let atoms: Vec<usize> =
            (0..3).flat_map(|m| (0..countries.len()).map(move |k| m * per_month + c * countries.len() + k)).collect();
        let (counts, losses, loss_values) = contributions(items.iter().filter(|i| i.category == *category));
        raws.push(Raw { key: key(&[("category", category.as_str())]), atoms, counts, losses, loss_values });
        fixed.push(false);
    }
    let (counts, losses, loss_values) = contributions(items.iter());
    raws.push(Raw { key: key(&[("category", "*")]), atoms: (0..3 * per_month).collect(), counts, losses, loss_values });
    fixed.push(false);
    let atoms = 3 * per_month;
    // The months' withheld cells stay withheld whatever the floor says of them now.
    let mut cells = publish_with(floor, unit, atoms, &raws, &fixed, &primary_from_month);
    cells.split_off(months_len)
}

/// `publish`, with the cells in `forced` (by index, a prefix of `raws`) withheld as they were.
fn publish_with(floor: &Floor, unit: i64, atoms: usize, raws: &[Raw], fixed: &[bool], forced: &[bool]) -> Vec<Cell> {
    // A forced cell fails the floor by construction: its contributions are emptied for the
    // judgement (never for the figures, which no one sees).
    let judged: Vec<Raw> = raws
        .iter()
        .enumerate()
        .map(|(i, r)| Raw {
            key: r.key.clone(),
            atoms: r.atoms.clone(),
            counts: if forced.get(i).copied().unwrap_or(false) { Contributions::default() } else { r.counts.clone() },
            losses: r.losses.clone(),
            loss_values: r.loss_values.clone(),
        })
        .collect();
    publish(floor, unit, atoms, &judged, fixed, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::disclosure::tests::safe;
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
            let quarter = losses_by_category(&floor, 100_000, &countries, &items, &[tables[0].clone(), tables[1].clone(), tables[2].clone()]);
            for (m, table) in tables.iter().enumerate() {
                for cell in table {
                    let (n, orgs) = truth(&months[m], cell);
                    if let Some(shown) = cell.reports {
                        prop_assert_eq!(shown, n);
                        prop_assert!(n >= floor.min_count && orgs as u64 >= floor.min_orgs, "{:?}", cell);
                    } else {
                        prop_assert!(cell.reports_withheld.is_some() && cell.loss_minor.is_none());
                    }
                }
            }
            for cell in &quarter {
                let (n, orgs) = truth(&items, cell);
                if let Some(shown) = cell.reports {
                    prop_assert_eq!(shown, n);
                    prop_assert!(n >= floor.min_count && orgs as u64 >= floor.min_orgs);
                }
                if cell.median_loss_minor.is_some() {
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
                for (raw, cell) in month_cells(&months[m], &countries, m * per_month).iter().zip(table) {
                    prop_assert_eq!(&raw.key, &cell.key);
                    sets.push(raw.atoms.clone());
                    withheld.push(cell.reports.is_none());
                }
            }
            for cell in &quarter {
                let c = cell.key["category"].as_str();
                let atoms: Vec<usize> = (0..3).flat_map(|m| (0..per_month).map(move |a| m * per_month + a))
                    .filter(|a| c == "*" || Category::ALL[(a % per_month) / countries.len()].as_str() == c)
                    .collect();
                sets.push(atoms);
                withheld.push(cell.reports.is_none());
            }
            prop_assert!(safe(3 * per_month, &sets, &withheld));
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
        assert_eq!(find("phishing", "AL").reports_withheld, Some(Withheld::MinCount));
        assert_eq!(find("phishing", "AL").reports, None);
        // Its row would give it away (the category's total less XK): a complement goes there.
        // Its column does not: the empty categories in AL are withheld too, so the column's
        // total leaves more than one figure unknown.
        let row = [find("phishing", "XK"), find("phishing", "*")];
        assert!(row.iter().any(|c| c.reports_withheld == Some(Withheld::Complementary)), "{cells:#?}");
        assert_eq!(find("investment_fraud", "XK").reports, Some(6));
        assert_eq!(find("*", "*").reports, Some(19));
        let raws = month_cells(&items, &countries(), 0);
        let sets: Vec<Vec<usize>> = raws.iter().map(|r| r.atoms.clone()).collect();
        let withheld: Vec<bool> = cells.iter().map(|c| c.reports.is_none()).collect();
        assert!(safe(Category::ALL.len() * 2, &sets, &withheld));
    }
}
