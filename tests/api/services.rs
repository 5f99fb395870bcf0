//! A grant runs only the operations of its own action: each front-end calls one service
//! function per operation, and a service function handed a grant issued for another action
//! refuses before it reads or writes anything (a programming error: 500). The source check in
//! `architecture` finds every service function and every handler's grant; this runs them.

use std::future::Future;
use std::pin::Pin;

use cyberbridge::access::{Action, Credential, Principal};
use cyberbridge::domain::{AlertId, IndicatorType, OrgId, OrgKind, ReportId, RequestId, Role, UserId};
use cyberbridge::kernel::error::ApiError;
use cyberbridge::kernel::http::consistency::ReadAfter;
use cyberbridge::kernel::http::etag::IfMatch;
use cyberbridge::{alerts, auth, indicators, reports, requests, stix, taxii, users};
use serde_json::json;
use uuid::Uuid;

use crate::support::TestApp;

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), ApiError>> + 'a>>;

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a body")
}

#[actix_rt::test]
async fn a_grant_for_one_action_runs_no_other_actions_service_function() {
    let app = TestApp::spawn().await;
    let state = &app.state;
    // An org_admin of a police force, who may do all of the below under the right grant.
    let principal = Principal {
        credential: Credential::User { user_id: UserId(Uuid::now_v7()), jti: Uuid::now_v7(), exp: 0, sid: None },
        org_id: OrgId(Uuid::now_v7()),
        org_kind: OrgKind::LawEnforcement,
        role: Role::OrgAdmin,
        must_change_password: false,
        must_enrol_second_factor: false,
        meta: Default::default(),
    };
    // Reading oneself needs nothing: the grant every call below is handed, wrongly.
    let g = &principal.authorize(state, Action::ReadMe).await.expect("a grant for ReadMe");
    let (report, alert, request) = (ReportId::new(), AlertId::new(), RequestId::new());
    let value = || (IndicatorType::Domain, "example.org".to_string());
    let calls: Vec<(&str, Call)> = vec![
        ("reports::read", Box::pin(async { reports::service::read(state, g, report, json!({})).await.map(drop) })),
        (
            "reports::update",
            Box::pin(async {
                reports::service::update(state, g, report, IfMatch(None), &body(json!({}))).await.map(drop)
            }),
        ),
        (
            "indicators::lookup",
            Box::pin(async { indicators::service::lookup(state, g, value(), ReadAfter::default()).await.map(drop) }),
        ),
        (
            "indicators::record_sighting",
            Box::pin(async {
                let input = body(json!({"kind": "seen"}));
                indicators::service::record_sighting(state, g, value(), &input).await.map(drop)
            }),
        ),
        ("alerts::read", Box::pin(async { alerts::service::read(state, g, alert).await.map(drop) })),
        ("alerts::trace", Box::pin(async { alerts::service::trace(state, g, alert).await.map(drop) })),
        ("alerts::mules::list", Box::pin(async { alerts::mules::list(state, g).await.map(drop) })),
        ("requests::read", Box::pin(async { requests::service::read(state, g, request).await.map(drop) })),
        (
            "requests::extend",
            Box::pin(async { requests::service::extend(state, g, request, IfMatch(None)).await.map(drop) }),
        ),
        (
            "requests::statistics",
            Box::pin(async { requests::service::statistics(state, g, &body(json!({}))).await.map(drop) }),
        ),
        (
            "users::read_user",
            Box::pin(async { users::service::read_user(state, g, UserId(Uuid::now_v7())).await.map(drop) }),
        ),
        (
            "users::list_users",
            Box::pin(async {
                users::service::list_users(state, g, principal.org_id, &body(json!({}))).await.map(drop)
            }),
        ),
        ("auth::sessions", Box::pin(async { auth::service::sessions(state, g).await.map(drop) })),
        ("auth::factor::enrol", Box::pin(async { auth::factor::enrol(state, g).await.map(drop) })),
        ("stix::report_bundle", Box::pin(async { stix::service::report_bundle(state, g, report).await.map(drop) })),
        ("taxii::status", Box::pin(async { taxii::service::status(state, g, Uuid::now_v7()).await.map(drop) })),
    ];
    for (name, call) in calls {
        let refused = call.await.expect_err(name);
        assert!(
            matches!(refused, ApiError::Internal(_)) && format!("{refused:?}").contains("cannot run"),
            "{name} ran under a ReadMe grant: {refused:?}"
        );
    }
    // The same calls under their own grants reach the database (and answer as it says).
    let read = principal.authorize(state, Action::ReadReport).await.expect("a grant for ReadReport");
    let missing = reports::service::read(state, &read, report, json!({})).await;
    assert!(matches!(missing, Err(ApiError::NotFound)), "an unknown report is not found");
}
