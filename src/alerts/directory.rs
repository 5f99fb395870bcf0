//! The banks' routing identifiers, cached per instance for the alert hot path. Valid under the
//! same rule as the API-key cache: only while this instance listens to PostgreSQL's credential
//! notifications, which fire on any change to organisations' status or kind and to bank
//! identifiers (migration 000028), and only entries read since the last such change.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::rules::BankRoute;
use super::store;
use crate::domain::{Bic, Iban};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;
use crate::kernel::keycache::KeyCache;

/// (the invalidations' instance, IBAN country, BIC's first 8 characters) -> the routes the
/// store answered, and the invalidation generation they were read in. Keyed by the instance:
/// several servers (tests) in one process each have their own database.
type Entries = HashMap<(u64, String, String), (u64, Vec<BankRoute>)>;

fn entries() -> &'static Mutex<Entries> {
    static ENTRIES: OnceLock<Mutex<Entries>> = OnceLock::new();
    ENTRIES.get_or_init(Default::default)
}

/// [`store::bank_routes`], from the cache when it may be trusted.
pub async fn bank_routes(
    c: &mut Conn,
    invalidations: &KeyCache,
    iban: Option<&Iban>,
    bic: Option<&Bic>,
) -> ApiResult<Vec<BankRoute>> {
    let key = (
        invalidations.instance(),
        iban.map(|i| i.country().to_string()).unwrap_or_default(),
        bic.map(|b| b.bic8().to_string()).unwrap_or_default(),
    );
    let generation = invalidations.generation();
    if invalidations.listening() {
        if let Some((at, routes)) = entries().lock().ok().and_then(|e| e.get(&key).cloned()) {
            if at == generation {
                return Ok(routes);
            }
        }
    }
    let routes = store::bank_routes(c, iban, bic).await?;
    // Read before the generation moved: cached; a change that raced the read is not.
    if invalidations.listening() && invalidations.generation() == generation {
        if let Ok(mut e) = entries().lock() {
            if e.len() >= 10_000 {
                e.clear();
            }
            e.insert(key, (generation, routes.clone()));
        }
    }
    Ok(routes)
}
