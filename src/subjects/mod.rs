//! Subject access: everything the platform holds about one identifier (reports and the values
//! they name, fraud alerts and the mule flag, data requests, watchlists, holds) and who
//! consulted it and why, for a data subject's request or a data-protection audit. The
//! platform operator's; itself audited.

pub mod model;
pub mod routes;
pub mod store;
