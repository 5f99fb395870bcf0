//! Four eyes on granting powers: the pending changes platform admins list, approve (a second
//! admin, never the one who asked) or reject. Filing is `access::four_eyes::gate`.

mod apply;
pub mod routes;
