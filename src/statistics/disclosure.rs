//! Statistical disclosure control of the published tables, as statistical offices practise it:
//! a cell below the floor is withheld (primary suppression), and more cells are withheld until
//! no withheld figure follows from the published ones (complementary suppression).
//!
//! Every figure of a family of tables (the tables computed over the same items, with their
//! margins and totals) is a sum over *atoms*, the finest cells the family is built from (for
//! reports: category × month × reporter country). A withheld figure can be recovered exactly
//! from published figures if and only if its atom vector lies in the span of theirs; [`protect`]
//! withholds further cells until none does, deciding over the whole family at once, so that no
//! difference of two tables, no margin and no total uncovers a cell.
//!
//! The floor of a cell ([`Floor::judge`]): at least `min_count` items from at least `min_orgs`
//! organisations; its amount only where the p% rule holds (the second-largest contributor,
//! subtracting its own share from the total, cannot estimate the largest one's within p%);
//! a median only from `median_min` items; sums rounded.

/// The floor of published cells.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub min_count: u64,
    pub min_orgs: u64,
    /// The p of the p% rule, in per cent.
    pub p_percent: u32,
    /// Items a median needs.
    pub median_min: u64,
}

impl Default for Floor {
    fn default() -> Self {
        Floor { min_count: 5, min_orgs: 3, p_percent: 15, median_min: 20 }
    }
}

/// Why a cell or its amount is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    /// Fewer items than the floor.
    MinCount,
    /// Items from fewer organisations than the floor.
    MinOrgs,
    /// Its amount would let one contributor estimate another's (the p% rule).
    PPercent,
    /// Published, it would let a withheld figure be computed from the others.
    Complementary,
    /// A median of fewer items than the floor for medians.
    MedianMin,
}

impl Withheld {
    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Withheld::MinCount => "min_count",
            Withheld::MinOrgs => "min_orgs",
            Withheld::PPercent => "p_percent",
            Withheld::Complementary => "complementary",
            Withheld::MedianMin => "median_min",
        }
    }
}

/// What one cell holds: its items per contributing organisation (count and amount).
#[derive(Debug, Clone, Default)]
pub struct Contributions {
    /// (count, amount in minor units) per organisation.
    pub by_org: Vec<(u64, i64)>,
}

impl Contributions {
    pub fn count(&self) -> u64 {
        self.by_org.iter().map(|c| c.0).sum()
    }

    pub fn amount(&self) -> i64 {
        self.by_org.iter().map(|c| c.1).fold(0i64, i64::saturating_add)
    }

    pub fn orgs(&self) -> u64 {
        self.by_org.iter().filter(|c| c.0 > 0).count() as u64
    }
}

impl Floor {
    /// No floor: an organisation's own figures, and the regulators' per-bank tables.
    pub fn none() -> Self {
        Floor { min_count: 0, min_orgs: 0, p_percent: 0, median_min: 1 }
    }

    /// The cell's own verdict: `Some` when its count must be withheld.
    pub fn judge(&self, c: &Contributions) -> Option<Withheld> {
        if c.count() < self.min_count {
            Some(Withheld::MinCount)
        } else if c.orgs() < self.min_orgs {
            Some(Withheld::MinOrgs)
        } else {
            None
        }
    }

    /// Whether the cell's amount may be published: the p% rule with the second-largest
    /// contributor as the one who estimates. With contributions x1 ≥ x2 ≥ … and total T, x2
    /// knows T − x2 and so bounds x1 by what the others add: the amount is sensitive when
    /// T − x1 − x2 < p/100 · x1.
    pub fn amount_safe(&self, c: &Contributions) -> bool {
        let mut amounts: Vec<i128> = c.by_org.iter().map(|x| i128::from(x.1.max(0))).collect();
        amounts.sort_unstable_by(|a, b| b.cmp(a));
        let total: i128 = amounts.iter().sum();
        let (x1, x2) = (amounts.first().copied().unwrap_or(0), amounts.get(1).copied().unwrap_or(0));
        let rest = total - x1 - x2;
        rest * 100 >= i128::from(self.p_percent) * x1
    }

    /// Whether a median may be published over `items`.
    pub fn median_allowed(&self, items: u64) -> bool {
        items >= self.median_min
    }
}

/// A sum rounded to the nearest multiple of `unit` (halves away from zero).
pub fn rounded(value: i64, unit: i64) -> i64 {
    if unit <= 1 {
        return value;
    }
    let half = unit / 2;
    let q = if value >= 0 { (value + half) / unit } else { (value - half) / unit };
    q * unit
}

/// Row echelon form of 0/1 vectors over the rationals (f64 with partial pivoting; entries stay
/// small for the sizes of a period's tables).
struct Span {
    rows: Vec<Vec<f64>>,
    pivots: Vec<usize>,
}

const EPS: f64 = 1e-9;

impl Span {
    fn of(vectors: impl Iterator<Item = Vec<f64>>) -> Span {
        let mut span = Span { rows: Vec::new(), pivots: Vec::new() };
        for v in vectors {
            span.add(v);
        }
        span
    }

    /// `v` reduced by the rows so far.
    fn reduce(&self, mut v: Vec<f64>) -> Vec<f64> {
        for (row, &p) in self.rows.iter().zip(&self.pivots) {
            let f = v[p];
            if f.abs() > EPS {
                for (x, r) in v.iter_mut().zip(row) {
                    *x -= f * r;
                }
            }
        }
        v
    }

    fn add(&mut self, v: Vec<f64>) {
        let v = self.reduce(v);
        let Some((p, &lead)) = v.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())) else { return };
        if lead.abs() <= EPS {
            return;
        }
        let row: Vec<f64> = v.iter().map(|x| x / lead).collect();
        // Keep the rows reduced against the new pivot, so that `reduce` is one pass.
        for r in &mut self.rows {
            let f = r[p];
            if f.abs() > EPS {
                for (x, n) in r.iter_mut().zip(&row) {
                    *x -= f * n;
                }
            }
        }
        self.rows.push(row);
        self.pivots.push(p);
    }

    fn contains(&self, v: Vec<f64>) -> bool {
        self.reduce(v).iter().all(|x| x.abs() <= EPS)
    }
}

fn vector(atoms: usize, cell: &[usize]) -> Vec<f64> {
    let mut v = vec![0.0; atoms];
    for &a in cell {
        v[a] += 1.0;
    }
    v
}

/// Whether the figure of withheld cell `s` follows from the published cells' figures.
fn recoverable(atoms: usize, cells: &[Vec<usize>], withheld: &[bool], s: usize, without: Option<usize>) -> bool {
    let span = Span::of(
        cells.iter().enumerate().filter(|(i, _)| !withheld[*i] && Some(*i) != without).map(|(_, c)| vector(atoms, c)),
    );
    span.contains(vector(atoms, &cells[s]))
}

/// The cells to withhold, given those that fail the floor (`primary`): `primary` and as few
/// more as this greedy search finds, so that no withheld cell's figure is a linear combination
/// of published ones. `cells[i]` lists the atoms cell i adds up; `value[i]` is its figure (the
/// smallest figures are withheld first, to lose the least). `fixed` cells were published
/// before (an earlier period's tables) and stay so: only the others may be withheld. A withheld
/// cell that the fixed cells alone give away was public already; nothing here can hide it.
pub fn protect(atoms: usize, cells: &[Vec<usize>], primary: &[bool], value: &[i64], fixed: &[bool]) -> Vec<bool> {
    let mut withheld: Vec<bool> = primary.iter().zip(fixed).map(|(p, f)| *p && !*f).collect();
    let mut given_away = vec![false; cells.len()];
    // Fixed cells, and complements found to follow from them: never withheld (again).
    let mut known = fixed.to_vec();
    loop {
        let exposed =
            (0..cells.len()).find(|&s| withheld[s] && !given_away[s] && recoverable(atoms, cells, &withheld, s, None));
        let Some(s) = exposed else { return withheld };
        // Published cells over atoms of s, smallest first; the first whose withholding hides s.
        let mut candidates: Vec<usize> = (0..cells.len())
            .filter(|&c| !withheld[c] && !known[c] && cells[c].iter().any(|a| cells[s].contains(a)))
            .collect();
        candidates.sort_by_key(|&c| (value[c], cells[c].len()));
        let mut hides = candidates.iter().copied().find(|&c| !recoverable(atoms, cells, &withheld, s, Some(c)));
        if hides.is_none() && candidates.is_empty() {
            // No published cell over its atoms is left: one elsewhere may still be in the
            // combination that gives it away (a cell over other atoms that cancel out).
            let mut others: Vec<usize> = (0..cells.len()).filter(|&c| !withheld[c] && !known[c]).collect();
            others.sort_by_key(|&c| (value[c], cells[c].len()));
            hides = others.iter().copied().find(|&c| !recoverable(atoms, cells, &withheld, s, Some(c)));
            if hides.is_none() {
                // No single cell does: withhold the smallest that meets a cell over its atoms,
                // and look again (each round withholds one more, so this ends).
                let near: Vec<usize> =
                    (0..cells.len()).filter(|&k| k != s && cells[k].iter().any(|a| cells[s].contains(a))).collect();
                hides =
                    others.into_iter().find(|&c| near.iter().any(|&k| cells[k].iter().any(|a| cells[c].contains(a))));
            }
        }
        match hides.or(candidates.first().copied()) {
            Some(c) => withheld[c] = true,
            // Only fixed cells left over its atoms: they give it away. A cell withheld as a
            // complement is then known anyway and hides nothing: it is published. (A cell failing
            // the floor itself stays withheld; the earlier tables gave it away, nothing here can.)
            None if primary[s] => given_away[s] = true,
            None => {
                withheld[s] = false;
                known[s] = true;
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An independent check of recoverability: exact Gaussian elimination over the rationals
    /// (fractions of i128), not the f64 elimination `protect` uses.
    pub(crate) fn in_span_exactly(atoms: usize, basis: &[Vec<usize>], target: &[usize]) -> bool {
        fn gcd(a: i128, b: i128) -> i128 {
            if b == 0 {
                a.abs().max(1)
            } else {
                gcd(b, a % b)
            }
        }
        #[derive(Clone, Copy)]
        struct Q(i128, i128);
        impl Q {
            fn norm(self) -> Q {
                let g = gcd(self.0, self.1);
                let s = if self.1 < 0 { -1 } else { 1 };
                Q(s * self.0 / g, s * self.1 / g)
            }
            fn sub(self, o: Q) -> Q {
                Q(self.0 * o.1 - o.0 * self.1, self.1 * o.1).norm()
            }
            fn mul(self, o: Q) -> Q {
                Q(self.0 * o.0, self.1 * o.1).norm()
            }
            fn div(self, o: Q) -> Q {
                Q(self.0 * o.1, self.1 * o.0).norm()
            }
            fn zero(self) -> bool {
                self.0 == 0
            }
        }
        let as_q = |cell: &[usize]| {
            let mut v = vec![Q(0, 1); atoms];
            for &a in cell {
                v[a] = Q(v[a].0 + v[a].1, v[a].1).norm();
            }
            v
        };
        let mut rows: Vec<(usize, Vec<Q>)> = Vec::new();
        let reduce = |rows: &Vec<(usize, Vec<Q>)>, mut v: Vec<Q>| {
            for (p, r) in rows {
                if !v[*p].zero() {
                    let f = v[*p].div(r[*p]);
                    for i in 0..atoms {
                        v[i] = v[i].sub(f.mul(r[i]));
                    }
                }
            }
            v
        };
        for cell in basis {
            let v = reduce(&rows, as_q(cell));
            if let Some(p) = (0..atoms).find(|&i| !v[i].zero()) {
                rows.push((p, v));
            }
        }
        reduce(&rows, as_q(target)).iter().all(|q| q.zero())
    }

    /// No withheld cell of `withheld` follows from the published ones.
    pub(crate) fn safe(atoms: usize, cells: &[Vec<usize>], withheld: &[bool]) -> bool {
        let published: Vec<Vec<usize>> =
            cells.iter().zip(withheld).filter(|(_, w)| !**w).map(|(c, _)| c.clone()).collect();
        cells.iter().zip(withheld).filter(|(_, w)| **w).all(|(c, _)| !in_span_exactly(atoms, &published, c))
    }

    #[test]
    fn a_two_by_two_table_with_its_margins_hides_its_one_small_cell() {
        // Atoms a b / c d; cells: the four, two row totals, two column totals, the total.
        let cells: Vec<Vec<usize>> =
            vec![vec![0], vec![1], vec![2], vec![3], vec![0, 1], vec![2, 3], vec![0, 2], vec![1, 3], vec![0, 1, 2, 3]];
        let value = [2, 40, 30, 50, 42, 80, 32, 90, 122];
        let mut primary = vec![false; 9];
        primary[0] = true;
        let withheld = protect(4, &cells, &primary, &value, &[false; 9]);
        assert!(safe(4, &cells, &withheld), "{withheld:?}");
        // The row and the column of the small cell each lose another figure.
        assert!(withheld.iter().filter(|w| **w).count() >= 4, "{withheld:?}");
        assert!(withheld[0]);
    }

    #[test]
    fn the_p_percent_rule_guards_the_largest_contributor_against_the_second() {
        let floor = Floor::default();
        let cell = |amounts: &[i64]| Contributions { by_org: amounts.iter().map(|a| (1, *a)).collect() };
        assert!(!floor.amount_safe(&cell(&[100_000, 90_000, 5_000])), "the rest is 5% of the largest");
        assert!(floor.amount_safe(&cell(&[100_000, 50_000, 50_000])));
        assert!(!floor.amount_safe(&cell(&[100_000])), "one contributor");
        assert!(floor.amount_safe(&cell(&[100_000, 15_000, 15_000])), "the rest exactly 15%");
        assert!(!floor.amount_safe(&cell(&[100_000, 15_000, 14_999])));
        assert_eq!(floor.judge(&Contributions { by_org: vec![(2, 1), (2, 1)] }), Some(Withheld::MinCount));
        assert_eq!(floor.judge(&Contributions { by_org: vec![(4, 1), (4, 1)] }), Some(Withheld::MinOrgs));
        assert_eq!(floor.judge(&Contributions { by_org: vec![(1, 1), (1, 1), (3, 1)] }), None);
        assert!(!floor.median_allowed(19) && floor.median_allowed(20));
    }

    #[test]
    fn sums_are_rounded_to_the_unit() {
        assert_eq!(rounded(123_456, 100_000), 100_000);
        assert_eq!(rounded(150_000, 100_000), 200_000);
        assert_eq!(rounded(-150_000, 100_000), -200_000);
        assert_eq!(rounded(49_999, 100_000), 0);
        assert_eq!(rounded(7, 1), 7);
    }

    /// A family: atoms, the atom cells, and sums over random sets of atoms (margins, totals,
    /// other tables' coarser cells); figures and the cells failing the floor at random.
    fn family() -> impl Strategy<Value = (usize, Vec<Vec<usize>>, Vec<bool>, Vec<i64>)> {
        (2usize..7).prop_flat_map(|atoms| {
            let sums = proptest::collection::vec(proptest::collection::btree_set(0..atoms, 2..=atoms), 1..6);
            (Just(atoms), sums).prop_flat_map(|(atoms, sums)| {
                let mut cells: Vec<Vec<usize>> = (0..atoms).map(|a| vec![a]).collect();
                cells.extend(sums.into_iter().map(|s| s.into_iter().collect::<Vec<_>>()));
                let n = cells.len();
                (
                    Just(atoms),
                    Just(cells),
                    proptest::collection::vec(proptest::bool::weighted(0.25), n),
                    proptest::collection::vec(0i64..1000, n),
                )
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the tables and whichever cells fail the floor: every one of those stays
        /// withheld, and no withheld figure is a linear combination of published ones (checked
        /// exactly, independently of `protect`'s own arithmetic).
        #[test]
        fn no_withheld_figure_follows_from_the_published_ones((atoms, cells, primary, value) in family()) {
            let withheld = protect(atoms, &cells, &primary, &value, &vec![false; cells.len()]);
            for (p, w) in primary.iter().zip(&withheld) {
                prop_assert!(!p || *w);
            }
            prop_assert!(safe(atoms, &cells, &withheld), "cells {:?} primary {:?} withheld {:?}", cells, primary, withheld);
        }

        /// With cells published earlier (fixed): they stay published; a withheld figure that
        /// follows from the published ones is one the fixed cells alone already gave away, and
        /// never a complement (which would then hide nothing and is published instead).
        #[test]
        fn cells_published_earlier_stay_and_only_they_can_give_a_figure_away((atoms, cells, primary, value) in family()) {
            let fixed: Vec<bool> = primary.iter().zip(&value).map(|(p, v)| !p && v % 5 == 0).collect();
            let withheld = protect(atoms, &cells, &primary, &value, &fixed);
            let published: Vec<Vec<usize>> =
                cells.iter().zip(&withheld).filter(|(_, w)| !**w).map(|(c, _)| c.clone()).collect();
            let earlier: Vec<Vec<usize>> =
                cells.iter().zip(&fixed).filter(|(_, f)| **f).map(|(c, _)| c.clone()).collect();
            for (i, w) in withheld.iter().enumerate() {
                prop_assert!(!(fixed[i] && *w), "a fixed cell withheld");
                prop_assert!(!primary[i] || fixed[i] || *w, "a primary cell published");
                if *w && in_span_exactly(atoms, &published, &cells[i]) {
                    prop_assert!(primary[i] && in_span_exactly(atoms, &earlier, &cells[i]),
                        "cell {} recoverable: cells {:?} primary {:?} fixed {:?} withheld {:?}", i, cells, primary, fixed, withheld);
                }
            }
        }

        /// The p% rule as its definition states it: with the amount published, the second
        /// largest contributor's estimate of the largest (the total less its own) is off by at
        /// least p% of the largest.
        #[test]
        fn a_published_amount_keeps_the_largest_contributor_p_percent_away(amounts in proptest::collection::vec(0i64..1_000_000, 1..8)) {
            let floor = Floor::default();
            let c = Contributions { by_org: amounts.iter().map(|a| (1, *a)).collect() };
            if floor.amount_safe(&c) {
                let mut sorted = amounts.clone();
                sorted.sort_unstable_by(|a, b| b.cmp(a));
                let (x1, x2) = (sorted[0], sorted.get(1).copied().unwrap_or(0));
                let estimate = c.amount() - x2;
                prop_assert!((estimate - x1) * 100 >= i64::from(floor.p_percent) * x1);
            }
        }
    }
}
