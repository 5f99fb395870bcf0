//! The audit trail's read side: listing rows (an org_admin their organisation's, regulators and
//! platform admins all), sealing new rows into a SHA-256 hash chain in the background,
//! verifying the chain (from a checkpoint, or against a head kept outside), and signing its
//! head with an Ed25519 key that is not in the database (`witness`: appended to a file). Rows are written through `kernel::audit::Entry`.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
pub mod witness;
