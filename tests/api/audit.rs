//! The audit trail: who reads which rows, paging, the hash chain, append-only rows.

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::support::{create_report, exec, iban_xk, org_body, report_body, TestApp};

#[actix_rt::test]
async fn audit_rows_are_visible_to_own_org_admins_and_to_regulators() {
    let app = TestApp::spawn().await;
    let a = app.org("bank", "Bank A").await;
    let b = app.org("bank", "Bank B").await;
    let reg = app.org("regulator", "Regulator").await;
    app.api_key(&a, &["alerts:write"]).await;
    app.api_key(&b, &["alerts:write"]).await;
    app.post("/api/v1/auth/login", &json!({"email": a.admin_email, "password": "wrong password!!"})).await.problem(401);

    let own = app.get_as(&a.admin, "/api/v1/audit").await.ok(200);
    let rows = own["items"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["organization_id"] == a.id.as_str()), "{own}");
    assert!(rows.iter().any(|r| r["action"] == "apikey.create"));
    app.get_as(&a.admin, &format!("/api/v1/audit?organization_id={}", b.id)).await.problem(422);

    let all = app.get_as(&reg.admin, "/api/v1/audit?action=apikey.create").await.ok(200);
    let orgs: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|r| r["organization_id"].as_str().unwrap()).collect();
    assert!(orgs.contains(&a.id.as_str()) && orgs.contains(&b.id.as_str()));
    let failed = app.get_as(&reg.admin, "/api/v1/audit?action=auth.login_failed").await.ok(200);
    assert_eq!(failed["items"][0]["details"]["email"], a.admin_email.as_str());
    assert_eq!(failed["items"][0]["outcome"], "denied");

    let (member, _) = app.member(&a, "m@bank-a.test").await;
    app.get_as(&member, "/api/v1/audit").await.problem(403);
    let denied = app.get_as(&a.admin, "/api/v1/audit?action=audit.read").await.ok(200);
    assert!(denied["items"].as_array().unwrap().iter().any(|r| r["outcome"] == "denied"));
}

#[actix_rt::test]
async fn audit_pages_follow_the_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..5 {
        app.post_as(&admin, "/api/v1/organizations", &org_body(&format!("Org {i}"), "isp")).await.ok(201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit?action=organization.create&limit=2".to_string();
    loop {
        let page = app.get_as(&admin, &path).await.ok(200);
        seen.extend(page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/audit?action=organization.create&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats: {seen:?}");
}

#[actix_rt::test]
async fn the_audit_chain_verifies_and_a_tampered_row_is_found() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    app.api_key(&bank, &["alerts:write"]).await;
    let mut conn = app.db.connect().await;
    let sealed = cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap();
    assert!(sealed >= 4, "{sealed}");
    let reg = app.org("regulator", "Regulator").await;
    let v = app.get_as(&reg.admin, "/api/v1/audit/verify").await.ok(200);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["rows_checked"], sealed as i64);
    assert_eq!(v["from_id"], json!(null));
    assert_eq!(v["first_broken_id"], json!(null));

    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let victim: Id = diesel::sql_query("SELECT id FROM audit_events WHERE action = 'apikey.create'")
        .get_result(&mut conn)
        .await
        .unwrap();
    exec(&mut conn, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(&mut conn, &format!("UPDATE audit_events SET outcome = 'denied' WHERE id = {}", victim.id)).await;
    exec(&mut conn, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    // From the checkpoint the first verification left, the rows before it are not recomputed;
    // a full verification finds the changed row.
    let v = app.get_as(&reg.admin, "/api/v1/audit/verify?full=true").await.ok(200);
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_broken_id"], victim.id);
}

async fn sealed_head(app: &TestApp, auth: &str) -> Value {
    let mut conn = app.db.connect().await;
    while cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap() > 0 {}
    app.get_as(auth, "/api/v1/audit/head").await.ok(200)
}

#[actix_rt::test]
async fn a_signed_head_verifies_with_the_public_key_and_finds_deleted_newest_rows() {
    let app = TestApp::spawn().await;
    let reg = app.org("regulator", "Regulator").await;
    let bank = app.org("bank", "Bank A").await;
    app.api_key(&bank, &["alerts:write"]).await;
    let head = sealed_head(&app, &reg.admin).await;
    // The public key needs no login; the head's signature checks with it.
    let key = app.get("/api/v1/audit/public-key").await.ok(200);
    assert_eq!(key["algorithm"], "Ed25519");
    assert_eq!(key["key_id"], head["key_id"]);
    let public_key =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, key["public_key"].as_str().unwrap())
            .unwrap();
    let hash = hex::decode(head["hash"].as_str().unwrap()).unwrap();
    let signed_at = head["signed_at"].as_str().unwrap().parse().unwrap();
    let signature = head["signature"].as_str().unwrap();
    let id = head["id"].as_i64().unwrap();
    assert!(cyberbridge::kernel::audit::signer::verify(&public_key, id, &hash, signed_at, signature));
    assert!(!cyberbridge::kernel::audit::signer::verify(&public_key, id - 1, &hash, signed_at, signature));
    // Only regulators and platform admins ask for heads.
    app.get_as(&bank.admin, "/api/v1/audit/head").await.problem(403);
    let against = format!("/api/v1/audit/verify?head_id={id}&head_hash={}", head["hash"].as_str().unwrap());
    let v = app.get_as(&reg.admin, &against).await.ok(200);
    assert_eq!((v["ok"].clone(), v["head_matches"].clone()), (json!(true), json!(true)), "{v}");
    // Whoever owns the table deletes the newest rows, up to and including the witnessed head:
    // the chain left is consistent in itself, but the head is no longer in it.
    let mut conn = app.db.connect().await;
    exec(&mut conn, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").await;
    exec(&mut conn, &format!("DELETE FROM audit_events WHERE id >= {}", id - 1)).await;
    exec(&mut conn, "DELETE FROM audit_checkpoints").await;
    exec(&mut conn, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").await;
    let v = app.get_as(&reg.admin, &against).await.ok(200);
    assert_eq!((v["ok"].clone(), v["head_matches"].clone()), (json!(false), json!(false)), "{v}");
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let checkpoints: Count =
        diesel::sql_query("SELECT count(*) AS n FROM audit_checkpoints").get_result(&mut conn).await.unwrap();
    assert_eq!(checkpoints.n, 0, "a chain that lost its head is never a checkpoint");
    let v = app.get_as(&reg.admin, "/api/v1/audit/verify").await.ok(200);
    assert_eq!(v["ok"], true, "without a head, a truncated chain looks whole: {v}");
    app.get_as(&reg.admin, "/api/v1/audit/verify?head_id=1").await.problem(422);
    app.get_as(&reg.admin, "/api/v1/audit/verify?head_id=1&head_hash=zz").await.problem(422);
}

#[actix_rt::test]
async fn the_witness_file_receives_signed_heads_that_verify() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let file = std::env::temp_dir().join(format!("cb-witness-{}.jsonl", uuid::Uuid::now_v7()));
    let mut config = cyberbridge::kernel::config::Config::for_database(&app.db.service_url);
    config.audit_witness_file = Some(file.clone());
    let pool = cyberbridge::kernel::db::pool(&app.db.service_url, 2, config.db_limits()).unwrap();
    let state = cyberbridge::kernel::AppState::build(pool.clone(), config).await.unwrap();
    let mut conn = pool.get().await.unwrap();
    while cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap() > 0 {}
    cyberbridge::audit::witness::write(&state, &mut conn).await.unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).ok();
    let head: Value = serde_json::from_str(text.lines().next().expect("a witnessed head")).unwrap();
    let public_key = state.audit_signer.public_key();
    let hash = hex::decode(head["hash"].as_str().unwrap()).unwrap();
    let signed_at = head["signed_at"].as_str().unwrap().parse().unwrap();
    let id = head["id"].as_i64().unwrap();
    assert!(cyberbridge::kernel::audit::signer::verify(
        public_key,
        id,
        &hash,
        signed_at,
        head["signature"].as_str().unwrap()
    ));
    let against = format!("/api/v1/audit/verify?head_id={id}&head_hash={}", head["hash"].as_str().unwrap());
    assert_eq!(app.get_as(&admin, &against).await.ok(200)["head_matches"], true);
}

#[actix_rt::test]
async fn every_read_of_a_report_is_found_by_the_report_even_when_reads_are_merged() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = create_report(&app, &bank.admin, report_body("green", &iban_xk(40 + i), &[])).await;
        ids.push(r["id"].as_str().unwrap().to_string());
    }
    // Three reads within one flush of the buffer.
    let paths: Vec<String> = ids.iter().map(|id| format!("/api/v1/reports/{id}")).collect();
    let reads = paths.iter().map(|path| app.get_as(&bank.admin, path));
    futures_util::future::join_all(reads).await.iter().for_each(|r| assert_eq!(r.status, 200));
    for id in &ids {
        let path = format!("/api/v1/audit?action=report.read&object_type=report&object_id={id}");
        let mut found = 0;
        for _ in 0..30 {
            found = app.get_as(&bank.admin, &path).await.ok(200)["items"].as_array().unwrap().len();
            if found > 0 {
                break;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(found, 1, "the read of {id}");
    }
}

#[actix_rt::test]
async fn reads_of_case_data_are_in_the_audit_trail_when_the_answer_arrives() {
    let app = TestApp::spawn().await;
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP One").await;
    let body = json!({
        "type": "subscriber_info", "addressee_id": isp.id, "case_reference": "PK-1",
        "legal_basis": {"provision": "CPC art. 123", "text": "Order"},
        "data_categories": ["subscriber"], "urgency": "routine",
        "justification": "An investigation of online fraud against many victims.",
        "identifiers": [{"type": "email", "value": "suspect@example.org"}],
    });
    let req = app.post_as(&police.admin, "/api/v1/requests", &body).await.ok(201);
    let id = req["id"].as_str().unwrap();
    let path = format!("/api/v1/requests/{id}");
    app.get_as(&isp.admin, &path).await.ok(200);
    app.get_as(&isp.admin, &format!("{path}/messages")).await.ok(200);
    // No wait: the rows were written before the answers went out.
    for action in ["request.read", "request.messages"] {
        let rows = app.get_as(&isp.admin, &format!("/api/v1/audit?action={action}&object_id={id}")).await.ok(200);
        assert_eq!(rows["items"].as_array().unwrap().len(), 1, "{action}: {rows}");
    }
}

#[actix_rt::test]
async fn only_regulators_and_platform_admins_verify_the_chain() {
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    app.get_as(&bank.admin, "/api/v1/audit/verify").await.problem(403);
    let admin = app.admin().await;
    assert_eq!(app.get_as(&admin, "/api/v1/audit/verify").await.ok(200)["ok"], true);
}

#[actix_rt::test]
async fn audit_rows_cannot_be_changed_deleted_or_truncated() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let mut conn = app.db.connect().await;
    for sql in [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_events SET hash = '\\x00', action = 'x'",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[actix_rt::test]
async fn the_service_role_may_only_append_to_the_audit_trail_and_seal_it_forward() {
    use diesel_async::AsyncConnection;
    let app = TestApp::spawn().await;
    let bank = app.org("bank", "Bank A").await;
    app.api_key(&bank, &["alerts:write"]).await;
    // What the API runs as: it seals through the owner's function.
    let mut service = diesel_async::AsyncPgConnection::establish(&app.db.service_url).await.unwrap();
    let sealed = cyberbridge::audit::store::seal_pending(&mut service).await.unwrap();
    assert!(sealed >= 4, "{sealed}");
    assert!(!cyberbridge::kernel::db::may_rewrite_audit(&mut service).await.unwrap());
    let mut owner = app.db.connect().await;
    assert!(cyberbridge::kernel::db::may_rewrite_audit(&mut owner).await.unwrap());
    // Whoever holds the API's credentials cannot edit, delete, disable the trigger, reseal
    // what is sealed, or rewrite the migrations' bookkeeping.
    for sql in [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "DROP TRIGGER audit_events_append_only ON audit_events",
        "SELECT audit_seal(ARRAY[1]::bigint[], ARRAY['\\x00']::bytea[])",
        "SELECT audit_seal(ARRAY[999998, 999999]::bigint[], ARRAY[NULL, '\\x00']::bytea[])",
        "SELECT audit_seal(ARRAY[999999, 999999]::bigint[], ARRAY['\\x00', '\\x00']::bytea[])",
        "DELETE FROM __diesel_schema_migrations",
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    ] {
        let err = diesel::sql_query(sql).execute(&mut service).await.expect_err(sql);
        let text = err.to_string();
        assert!(
            text.contains("permission denied") || text.contains("must be owner") || text.contains("audit_seal:"),
            "{sql}: {text}"
        );
    }
    // A temporary `audit_events` with a trigger, shadowing the real one inside the owner's
    // sealing function, runs nothing as the owner: the function names its table in full.
    for sql in [
        "CREATE TEMP TABLE audit_events (id bigint, hash bytea)",
        "INSERT INTO pg_temp.audit_events VALUES (999999, NULL)",
        "CREATE FUNCTION pg_temp.take_over() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         EXECUTE 'ALTER TABLE public.audit_events DISABLE TRIGGER audit_events_append_only'; RETURN NEW; END $$",
        "CREATE TRIGGER take_over BEFORE UPDATE ON pg_temp.audit_events FOR EACH ROW EXECUTE FUNCTION pg_temp.take_over()",
    ] {
        // Where temporary objects are refused outright (the migration revokes TEMPORARY on
        // the migrated database; a test database is a copy without that), so much the better.
        if diesel::sql_query(sql).execute(&mut service).await.is_err() {
            break;
        }
    }
    let _ = diesel::sql_query("SELECT audit_seal(ARRAY[999999]::bigint[], ARRAY['\\x00']::bytea[])")
        .execute(&mut service)
        .await;
    let _ = diesel::sql_query("DROP TABLE IF EXISTS pg_temp.audit_events").execute(&mut service).await;
    #[derive(diesel::QueryableByName)]
    struct Enabled {
        #[diesel(sql_type = diesel::sql_types::Text)]
        tgenabled: String,
    }
    let trigger: Enabled = diesel::sql_query(
        "SELECT tgenabled::text AS tgenabled FROM pg_trigger WHERE tgname = 'audit_events_append_only'",
    )
    .get_result(&mut owner)
    .await
    .unwrap();
    assert_eq!(trigger.tgenabled, "O", "the append-only trigger is still enabled");
    // No row with an id, time or hash of the API's choosing; signed documents and keys stay.
    for sql in [
        "INSERT INTO public.audit_events (id, action, outcome) VALUES (1, 'backdated', 'ok')",
        "INSERT INTO public.audit_events (action, outcome, hash) VALUES ('presealed', 'ok', '\\x00')",
        "INSERT INTO public.audit_events (action, outcome, at) VALUES ('backdated', 'ok', '2020-01-01')",
        "UPDATE signing_keys SET public_key = '\\x00'",
        "DELETE FROM signed_documents",
    ] {
        let err = diesel::sql_query(sql).execute(&mut service).await.expect_err(sql);
        assert!(err.to_string().contains("permission denied"), "{sql}: {err}");
    }
    // It starts on a database the owner migrated: nothing pending, nothing for it to create.
    assert_eq!(cyberbridge::kernel::db::migrate(&app.db.service_url).await.unwrap(), 0);
    // It still appends (the API's own audit rows) and reads.
    app.get_as(&bank.admin, "/api/v1/audit").await.ok(200);
    let reg = app.org("regulator", "Regulator").await;
    assert_eq!(app.get_as(&reg.admin, "/api/v1/audit/verify?full=true").await.ok(200)["ok"], true);
}
