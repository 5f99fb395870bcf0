//! Private screening: a bank or an ISP learns whether an IBAN or a phone number is known to the
//! platform without telling the platform which value it asked about (RFC 9497 VOPRF, the key in
//! `kernel::oprf`). The bank syncs a set of 16-byte tags (one per value its audited look-up
//! would find), blinds its values, has them evaluated, and compares locally; a hit is then read
//! through the audited look-up. See docs/private-screening.md.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
