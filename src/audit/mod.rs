//! The audit trail's read side: listing rows (an org_admin their organisation's, regulators and
//! platform admins all), sealing new rows into a SHA-256 hash chain in the background, and
//! verifying the chain. Rows are written through `kernel::audit::Entry`.

pub mod model;
pub mod routes;
pub mod store;
