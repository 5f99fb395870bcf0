//! Published statistics: fixed tables over closed calendar periods, computed together and then
//! frozen, every cell held to a floor so that no contributor is exposed (issue 30).
//!
//! - `disclosure`: the floor of a cell (counts, organisations, the p% rule, medians, rounding)
//!   and complementary suppression decided over a whole family of tables at once.
//! - `tables`: the report tables of a month and of a quarter, computed from their items.

pub mod disclosure;
pub mod grid;
pub mod routes;
pub mod service;
pub mod store;
pub mod tables;

use crate::kernel::config::Config;

impl disclosure::Floor {
    /// The floor the configuration sets (`CYBERBRIDGE_STATS_*`).
    pub fn of(config: &Config) -> Self {
        disclosure::Floor {
            min_count: config.stats_min_count,
            min_orgs: config.stats_min_orgs,
            p_percent: config.stats_p_percent,
            ..Default::default()
        }
    }
}
