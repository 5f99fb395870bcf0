//! Keys kept like keys: files others may read are refused, the two signing keys on a PKCS#11
//! token (SoftHSM2), the secrets key rotated without downtime, a leaked signing key's documents
//! found and signed again; and `admin verify-restore` naming what a restore lost or changed.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine;
use chrono::Timelike;
use cyberbridge::app::admin::AdminCommand;
use cyberbridge::app::restore::Options;
use serde_json::{json, Value};

use crate::requests::{issue, respond_with_log, transition};
use crate::support::{exec, TestApp};

fn seed(n: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([n; 32])
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cb-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "4711-cyberbridge";

/// A SoftHSM2 token of this test process (SoftHSM reads its configuration once, when the module
/// is first initialised): its label.
fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        assert!(
            std::path::Path::new(MODULE).exists(),
            "SoftHSM2 is not installed: apt-get install softhsm2 (.ci/run does)"
        );
        let dir = temp_dir("softhsm");
        std::fs::create_dir_all(dir.join("tokens")).unwrap();
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!("directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n", dir.display()),
        )
        .unwrap();
        std::env::set_var("SOFTHSM2_CONF", &conf);
        let label = format!("cb-{}", std::process::id());
        let out = std::process::Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", &label, "--pin", PIN, "--so-pin", "so-pin-4711"])
            .output()
            .expect("softhsm2-util");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        label
    })
}

fn token_uri(object: &str, pin_file: &std::path::Path) -> String {
    format!("pkcs11:token={};object={object}?module-path={MODULE}&pin-source=file:{}", token(), pin_file.display())
}

fn pin_file(mode: u32) -> PathBuf {
    let path = temp_dir("pin").join("pin");
    std::fs::write(&path, PIN).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[actix_rt::test]
async fn signing_keys_on_a_pkcs11_token_sign_orders_and_audit_heads_without_leaving_it() {
    let pin = pin_file(0o600);
    let (orders, audit) = (token_uri("orders", &pin), token_uri("audit", &pin));
    let orders_public = cyberbridge::kernel::keys::generate_on_token(&orders).expect("an Ed25519 key on the token");
    let audit_public = cyberbridge::kernel::keys::generate_on_token(&audit).unwrap();
    // A label is one key: making it again is refused, not a second key.
    assert!(cyberbridge::kernel::keys::generate_on_token(&orders).unwrap_err().contains("already holds"));

    let app = TestApp::spawn_with(|c| {
        c.signing_key = Some(orders.clone().into());
        c.audit_signing_key = Some(audit.clone().into());
    })
    .await;
    // The published key is the token's.
    let jwks = app.get("/api/v1/signing-keys").await.ok(200);
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&orders_public);
    assert_eq!(jwks["keys"][0]["x"], x.as_str(), "{jwks}");
    assert_eq!(jwks["keys"][0]["kid"], cyberbridge::kernel::signing::key_id(&orders_public).as_str());

    // An order signed by the token verifies offline against it.
    let police = app.org("law_enforcement", "Police").await;
    let isp = app.org("isp", "ISP").await;
    let req = issue(&app, &police, &isp).await;
    let docs = app
        .get_as(&isp.admin, &format!("/api/v1/requests/{}/signed-documents", req["id"].as_str().unwrap()))
        .await
        .ok(200);
    let order = &docs["items"][0];
    let keys = jwks["keys"].as_array().unwrap().clone();
    let kid = cyberbridge::kernel::signing::verify_detached(
        &keys,
        order["payload"].as_str().unwrap(),
        order["jws"].as_str().unwrap(),
    );
    assert_eq!(kid.unwrap(), cyberbridge::kernel::signing::key_id(&orders_public));

    // The audit head is signed by the other key on the token.
    let admin = app.admin().await;
    let mut conn = app.db.connect().await;
    while cyberbridge::audit::store::seal_pending(&mut conn).await.unwrap() > 0 {}
    let head = app.get_as(&admin, "/api/v1/audit/head").await.ok(200);
    let hash = hex::decode(head["hash"].as_str().unwrap()).unwrap();
    let signed_at = head["signed_at"].as_str().unwrap().parse().unwrap();
    assert!(cyberbridge::kernel::audit::signer::verify(
        &audit_public,
        head["id"].as_i64().unwrap(),
        &hash,
        signed_at,
        head["signature"].as_str().unwrap()
    ));
    assert_eq!(head["key_id"], cyberbridge::kernel::audit::signer::key_id(&audit_public).as_str());

    // `admin keys` says where each key is kept, and shows no PIN.
    let said = app.cli(AdminCommand::Keys).await.unwrap().text;
    assert!(said.contains(&format!("pkcs11:token={};object=orders", token())), "{said}");
    assert!(!said.contains(PIN), "{said}");

    // A PIN file others may read is refused; a wrong PIN and a missing key stop the start, and
    // neither message shows the PIN.
    let loose = token_uri("orders", &pin_file(0o644));
    let refused = cyberbridge::kernel::signing::DocumentSigner::new(Some(&loose)).err().unwrap();
    assert!(refused.contains("chmod 600"), "{refused}");
    let wrong = temp_dir("pin").join("pin");
    std::fs::write(&wrong, "0000").unwrap();
    std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o600)).unwrap();
    // (SoftHSM keeps the first login of the process: a wrong PIN is checked on a fresh token.)
    let missing =
        cyberbridge::kernel::signing::DocumentSigner::new(Some(&token_uri("nothing-here", &pin))).err().unwrap();
    assert!(missing.contains("0 private keys labelled nothing-here") && !missing.contains(PIN), "{missing}");
    let no_token =
        format!("pkcs11:token=absent;object=orders?module-path={MODULE}&pin-source=file:{}", wrong.display());
    assert!(cyberbridge::kernel::signing::DocumentSigner::new(Some(&no_token))
        .err()
        .unwrap()
        .contains("no token labelled absent"));
}

#[actix_rt::test]
async fn key_files_others_may_read_stop_the_start_and_admin_keys_shows_public_halves_only() {
    let dir = temp_dir("keyfiles");
    let mut config = cyberbridge::Config::for_database("postgres://localhost/unused");
    for (name, set) in [
        (
            "jwt",
            (|c: &mut cyberbridge::Config, p: PathBuf| c.jwt_secret_file = Some(p))
                as fn(&mut cyberbridge::Config, PathBuf),
        ),
        ("signing", |c, p| c.signing_key_file = Some(p)),
        ("audit", |c, p| c.audit_signing_key_file = Some(p)),
        ("secrets", |c, p| c.secrets_key_file = Some(p)),
        ("previous", |c, p| c.secrets_previous_key_file = Some(p)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, format!("{}\n", seed(21))).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut loose = cyberbridge::Config::for_database("postgres://localhost/unused");
        set(&mut loose, path.clone());
        let refused = loose.key_values().err().unwrap_or_else(|| panic!("{name}: a file others may read is used"));
        assert!(refused.contains(&path.display().to_string()) && refused.contains("chmod 600"), "{refused}");
        assert!(!refused.contains(&seed(21)), "the key is not in the message");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        set(&mut config, path);
    }
    let values = config.key_values().unwrap();
    assert_eq!(values.signing.as_deref(), Some(seed(21).as_str()), "read and trimmed");

    // Started with keys from files: the signer is the file's key, and `admin keys` shows its
    // public half, never a key.
    let app = TestApp::spawn_with(|c| {
        c.jwt_secret = None;
        c.jwt_secret_file = config.jwt_secret_file.clone();
        c.signing_key_file = config.signing_key_file.clone();
        c.audit_signing_key_file = config.audit_signing_key_file.clone();
        c.secrets_key_file = config.secrets_key_file.clone();
    })
    .await;
    let from_seed = cyberbridge::kernel::signing::DocumentSigner::new(Some(&seed(21))).unwrap();
    assert_eq!(app.get("/api/v1/signing-keys").await.ok(200)["keys"][0]["kid"], from_seed.kid());
    let said = app.cli(AdminCommand::Keys).await.unwrap().text;
    assert!(said.contains(from_seed.kid()) && said.contains("secrets key: set from a file"), "{said}");
    assert!(!said.contains(&seed(21)), "{said}");
    // Nor is any key in the database.
    let settings = app
        .count(&format!("SELECT count(*) AS n FROM app_settings WHERE value::text LIKE '%{}%'", &seed(21)[..16]))
        .await;
    assert_eq!(settings, 0);
}

#[actix_rt::test]
async fn the_secrets_key_rotates_without_downtime_and_reseal_secrets_moves_every_secret() {
    let (old, new) = (seed(31), seed(32));
    let app = TestApp::spawn_with(|c| {
        c.allow_http_webhooks = true;
        c.secrets_key = Some(old.clone().into());
    })
    .await;
    let bank = app.org("bank", "Bank A").await;
    let made = crate::webhooks::hook(&app, &bank, "http://127.0.0.1:9/hook").await;
    let id = made["id"].as_str().unwrap().to_string();
    let plain = made["secret"].as_str().unwrap().to_string();
    let stored = || async {
        let mut conn = app.db.connect().await;
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::Text)]
            secret: String,
        }
        diesel::sql_query(format!("SELECT secret FROM webhooks WHERE id = '{id}'"))
            .get_result::<S>(&mut conn)
            .await
            .unwrap()
            .secret
    };
    let uuid: uuid::Uuid = id.parse().unwrap();
    let before = stored().await;
    let with_old = cyberbridge::kernel::secrets::SecretBox::new(Some(&old)).unwrap();
    assert_eq!(with_old.open(uuid.as_bytes(), &before).unwrap(), plain);

    // The new key with the old as previous: what is stored still opens (no downtime) ...
    let mut rotating = (*app.state.config).clone();
    rotating.secrets_key = Some(new.clone().into());
    rotating.secrets_previous_key = Some(old.clone().into());
    let both = cyberbridge::kernel::secrets::SecretBox::rotating(Some(&new), Some(&old)).unwrap();
    assert_eq!(both.open(uuid.as_bytes(), &before).unwrap(), plain);
    // ... and the command seals it again under the new key, once.
    let said = app.cli_with(&rotating, AdminCommand::ResealSecrets).await.unwrap().text;
    assert!(said.starts_with("1 webhook secret(s) sealed"), "{said}");
    let after = stored().await;
    assert_ne!(after, before);
    let with_new = cyberbridge::kernel::secrets::SecretBox::new(Some(&new)).unwrap();
    assert_eq!(with_new.open(uuid.as_bytes(), &after).unwrap(), plain, "the new key alone opens it");
    assert!(with_old.open(uuid.as_bytes(), &after).is_err(), "the old key no longer does");
    assert!(app.cli_with(&rotating, AdminCommand::ResealSecrets).await.unwrap().text.starts_with("0 webhook"));
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'secrets.reseal'").await, 2);
    // Without a key there is nothing to seal with.
    let mut none = (*app.state.config).clone();
    none.secrets_key = None;
    assert!(app.cli_with(&none, AdminCommand::ResealSecrets).await.is_err());
}

/// An order and a response with one file, answered; returns the request.
async fn answered(app: &TestApp) -> Value {
    let n = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let police = app.org("law_enforcement", &format!("Police {n}")).await;
    let isp = app.org("isp", &format!("ISP {n}")).await;
    let req = issue(app, &police, &isp).await;
    transition(app, &isp.admin, &req, "acknowledged").await.ok(200);
    respond_with_log(app, &isp.admin, &req).await;
    req
}

#[actix_rt::test]
async fn after_a_signing_key_leaks_its_documents_are_listed_and_signed_again_with_the_new_one() {
    let app = TestApp::spawn_with(|c| c.signing_key = Some(seed(41).into())).await;
    let req = answered(&app).await;
    let leaked = cyberbridge::kernel::signing::DocumentSigner::new(Some(&seed(41))).unwrap();
    let listed = app.cli(AdminCommand::SignedDocuments { kid: leaked.kid().into() }).await.unwrap().text;
    assert!(listed.contains(req["reference"].as_str().unwrap()) && listed.contains("response"), "{listed}");
    assert!(listed.ends_with(&format!("2 document(s) signed with {}", leaked.kid())), "{listed}");

    // Rotated: the new key signs, the leaked one is no longer published (not kept as previous).
    let mut rotated = (*app.state.config).clone();
    rotated.signing_key = Some(seed(42).into());
    let public = base64::engine::general_purpose::STANDARD.encode(leaked.public_key());
    let resign = |leaked_at: chrono::DateTime<chrono::Utc>| AdminCommand::ResignDocuments {
        public_key: public.clone(),
        leaked_at,
    };
    // A document forged into the database under the leaked kid (its signature does not verify)
    // and one made after the leak are left as they are.
    let mut owner = app.db.connect().await;
    exec(
        &mut owner,
        "INSERT INTO signed_documents (id, request_id, kind, object_id, payload, jws, kid) \
         SELECT gen_random_uuid(), request_id, kind, object_id, replace(payload, 'A. Person', 'Z. Forged'), jws, kid \
           FROM signed_documents WHERE kind = 'response'",
    )
    .await;
    let said = app.cli_with(&rotated, resign(chrono::Utc::now() + chrono::Duration::hours(1))).await.unwrap().text;
    let current = cyberbridge::kernel::signing::DocumentSigner::new(Some(&seed(42))).unwrap();
    assert!(
        said.ends_with(&format!(
            "2 document(s) signed again with {} (each beside its signature by {}); 1 left as they are",
            current.kid(),
            leaked.kid()
        )),
        "{said}"
    );
    assert!(said.contains("NOT SIGNED AGAIN") && said.contains("the signature does not match the document"), "{said}");
    // Before the leak time nothing was made: nothing is signed again.
    let none = app.cli_with(&rotated, resign(chrono::Utc::now() - chrono::Duration::days(1))).await.unwrap().text;
    assert!(none.contains("0 document(s) signed again") && none.contains("made after the key leaked"), "{none}");
    // Each document now verifies under the new key alone; the old signatures stay beside them.
    let new_keys = vec![cyberbridge::kernel::signing::jwk(current.kid(), current.public_key())];
    let mut conn = app.db.connect().await;
    let rows =
        cyberbridge::requests::store::signed_page(&mut conn, uuid::Uuid::nil(), Some(current.kid()), 10).await.unwrap();
    assert_eq!(rows.len(), 2);
    for (doc, _, _) in &rows {
        assert_eq!(
            cyberbridge::kernel::signing::verify_detached(&new_keys, &doc.payload, &doc.jws).unwrap(),
            current.kid()
        );
    }
    // The current key cannot be "withdrawn" by mistake.
    let current_public = base64::engine::general_purpose::STANDARD.encode(current.public_key());
    let mistaken = AdminCommand::ResignDocuments { public_key: current_public, leaked_at: chrono::Utc::now() };
    assert!(app.cli_with(&rotated, mistaken).await.is_err());
    // Each document signed again is in the audit row, with its text's hash.
    let rows = app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'signed_documents.resign' AND jsonb_array_length(details->'documents') = 2").await;
    assert_eq!(rows, 1);
}

fn options(witness: &std::path::Path) -> Options {
    Options { witness: Some(witness.to_path_buf()), audit_public_keys: Vec::new(), jwks: None, until: None }
}

#[actix_rt::test]
async fn verify_restore_names_a_changed_row_a_missing_chunk_a_forged_witness_line_and_lost_rows() {
    let (app, witness, head) = witnessed(51).await;
    let mut owner = app.db.connect().await;

    let clean = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(clean.ok, "{}", clean.text);
    assert!(clean.text.contains("VERDICT: INTACT"), "{}", clean.text);
    assert!(clean.text.contains(&format!("Newest head:  row #{} signed", head["id"])), "{}", clean.text);
    assert!(clean.text.contains("2 documents; 2 verify") && clean.text.contains("1 files, 20 bytes"), "{}", clean.text);
    assert!(!clean.text.contains("FINDING"), "{}", clean.text);

    // A head witnessed later, whose rows the restore does not hold: missing, unless it was
    // signed after the point restored to.
    let signer = cyberbridge::kernel::audit::signer::AuditSigner::new(Some(&seed(52))).unwrap();
    let later_at = chrono::Utc::now() + chrono::Duration::hours(1);
    let later_id = head["id"].as_i64().unwrap() + 1000;
    let later = json!({"id": later_id, "hash": "ab".repeat(32), "signed_at": later_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "key_id": signer.key_id(), "signature": signer.sign(later_id, &[0xab; 32], later_at.with_nanosecond(0).unwrap()).unwrap()});
    std::fs::write(&witness, format!("{head}\n{later}\n")).unwrap();
    let lost = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(!lost.ok && lost.text.contains(&format!("rows up to #{later_id} were witnessed")), "{}", lost.text);
    let mut until = options(&witness);
    until.until = Some(chrono::Utc::now() + chrono::Duration::seconds(2));
    let restored = app.cli(AdminCommand::VerifyRestore(until)).await.unwrap();
    assert!(restored.ok, "{}", restored.text);
    assert!(restored.text.contains("1 signed after the restore point, not checked"), "{}", restored.text);

    // A forged witness line (another key) is named.
    let forger = cyberbridge::kernel::audit::signer::AuditSigner::new(Some(&seed(53))).unwrap();
    let at = chrono::Utc::now().with_nanosecond(0).unwrap();
    let forged = json!({"id": 1, "hash": "cd".repeat(32), "signed_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "key_id": forger.key_id(), "signature": forger.sign(1, &[0xcd; 32], at).unwrap()});
    std::fs::write(&witness, format!("{head}\n{forged}\nnot json\n")).unwrap();
    let report = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(
        report.text.contains("witness line 2 (row #1") && report.text.contains("witness line 3 is not a signed head"),
        "{}",
        report.text
    );
    std::fs::write(&witness, format!("{head}\n")).unwrap();

    // After a rotation of the audit key, lines signed by the earlier key verify when its public
    // key is given beside the current one.
    let earlier = cyberbridge::kernel::audit::signer::AuditSigner::new(Some(&seed(54))).unwrap();
    let hash = hex::decode(head["hash"].as_str().unwrap()).unwrap();
    let at: chrono::DateTime<chrono::Utc> = head["signed_at"].as_str().unwrap().parse().unwrap();
    let old_line = json!({"id": head["id"], "hash": head["hash"], "signed_at": head["signed_at"],
        "key_id": earlier.key_id(), "signature": earlier.sign(head["id"].as_i64().unwrap(), &hash, at).unwrap()});
    std::fs::write(&witness, format!("{old_line}\n{head}\n")).unwrap();
    let only_current = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(only_current.text.contains("witness line 1 (row #"), "{}", only_current.text);
    let keys_dir = temp_dir("audit-keys");
    let current = cyberbridge::kernel::audit::signer::AuditSigner::new(Some(&seed(52))).unwrap();
    std::fs::write(keys_dir.join("earlier.pem"), earlier.public_key_pem()).unwrap();
    std::fs::write(keys_dir.join("current.pem"), current.public_key_pem()).unwrap();
    let mut both = options(&witness);
    both.audit_public_keys = vec![keys_dir.join("earlier.pem"), keys_dir.join("current.pem")];
    let rotated = app.cli(AdminCommand::VerifyRestore(both)).await.unwrap();
    assert!(rotated.ok, "{}", rotated.text);
    std::fs::write(&witness, format!("{head}\n")).unwrap();

    // One audit row changed and one chunk of a file removed, by whoever holds the database.
    let victim = head["id"].as_i64().unwrap() - 3;
    exec(&mut owner, "SET session_replication_role = replica").await;
    exec(&mut owner, &format!("UPDATE audit_events SET details = '{{\"rewritten\": true}}' WHERE id = {victim}")).await;
    exec(&mut owner, "DELETE FROM attachment_chunks WHERE seq = 0").await;
    exec(
        &mut owner,
        "UPDATE signed_documents SET payload = replace(payload, 'A. Person', 'B. Person') WHERE kind = 'response'",
    )
    .await;
    exec(&mut owner, "SET session_replication_role = origin").await;
    let broken = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(!broken.ok);
    let text = &broken.text;
    assert!(text.contains(&format!("FINDING: row #{victim} (")) && text.contains("does not chain"), "{text}");
    assert!(text.contains("\"log.csv\"") && text.contains("chunk(s) 0 missing"), "{text}");
    assert!(text.contains("response ") && text.contains("the signature does not match the document"), "{text}");
    assert!(text.contains("VERDICT: NOT INTACT. 3 finding(s)"), "{text}");
    // The rows after the changed one still chain: exactly one row is named.
    assert_eq!(text.matches("does not chain").count(), 1, "{text}");
    // Nothing was written by the verification.
    let sealed_before = app.count("SELECT count(*) AS n FROM audit_events").await;
    app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events").await, sealed_before);
}

/// An app with an answered request, its audit rows sealed and the head witnessed; more rows
/// sealed after the head. Returns the app, the witness file and the witnessed head.
async fn witnessed(n: u8) -> (TestApp, PathBuf, Value) {
    let app = TestApp::spawn_with(|c| {
        c.signing_key = Some(seed(n).into());
        c.audit_signing_key = Some(seed(n + 1).into());
    })
    .await;
    answered(&app).await;
    let admin = app.admin().await;
    let mut owner = app.db.connect().await;
    while cyberbridge::audit::store::seal_pending(&mut owner).await.unwrap() > 0 {}
    let head = app.get_as(&admin, "/api/v1/audit/head").await.ok(200);
    let witness = temp_dir("witness").join("heads.jsonl");
    std::fs::write(&witness, format!("{head}\n")).unwrap();
    // Activity after the witnessed head, sealed too.
    app.get_as(&admin, "/api/v1/audit/head").await.ok(200);
    while cyberbridge::audit::store::seal_pending(&mut owner).await.unwrap() > 0 {}
    (app, witness, head)
}

/// Recomputes, as whoever holds the database could, every sealed row's hash from the start of
/// the chain as it now is (after rows were deleted).
async fn rechain(app: &TestApp) {
    let mut owner = app.db.connect().await;
    let mut previous = match cyberbridge::audit::store::anchor(&mut owner).await.unwrap() {
        Some((_, hash)) => hash,
        None => cyberbridge::audit::store::GENESIS.to_vec(),
    };
    let after = cyberbridge::audit::store::anchor(&mut owner).await.unwrap().map_or(0, |(id, _)| id);
    let rows = cyberbridge::audit::store::rows_after(&mut owner, after, 100_000).await.unwrap();
    exec(&mut owner, "SET session_replication_role = replica").await;
    for row in rows.iter().filter(|r| r.hash.is_some()) {
        let hash = cyberbridge::audit::store::chain_hash(&previous, row);
        exec(&mut owner, &format!("UPDATE audit_events SET hash = '\\x{}' WHERE id = {}", hex::encode(&hash), row.id))
            .await;
        previous = hash;
    }
    exec(&mut owner, "SET session_replication_role = origin").await;
}

#[actix_rt::test]
async fn verify_restore_finds_a_witnessed_row_deleted_and_the_chain_recomputed_after_it() {
    let (app, witness, head) = witnessed(61).await;
    let head = head["id"].as_i64().unwrap();
    let mut owner = app.db.connect().await;
    exec(&mut owner, "SET session_replication_role = replica").await;
    exec(&mut owner, &format!("DELETE FROM audit_events WHERE id = {head}")).await;
    exec(&mut owner, "SET session_replication_role = origin").await;
    rechain(&app).await;
    let report = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(!report.ok, "{}", report.text);
    assert!(report.text.contains(&format!("FINDING: row #{head}, witnessed at")), "{}", report.text);
    assert!(!report.text.contains("does not chain"), "the chain itself is consistent: {}", report.text);
}

#[actix_rt::test]
async fn verify_restore_finds_rows_cut_at_an_anchor_the_retention_purge_did_not_leave() {
    let (app, witness, head) = witnessed(63).await;
    let head = head["id"].as_i64().unwrap();
    let mut owner = app.db.connect().await;
    // The rows up to a point before the witnessed head deleted, an anchor planted with the
    // last deleted row's real hash: the rest still chains.
    let cut = head - 5;
    exec(&mut owner, "SET session_replication_role = replica").await;
    exec(
        &mut owner,
        &format!(
            "INSERT INTO audit_anchors (id, hash, purged_before, rows_purged) \
             SELECT id, hash, now(), {cut} FROM audit_events WHERE id = {cut}"
        ),
    )
    .await;
    exec(&mut owner, &format!("DELETE FROM audit_events WHERE id <= {cut}")).await;
    exec(&mut owner, "SET session_replication_role = origin").await;
    let report = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(!report.ok, "{}", report.text);
    assert!(
        report.text.contains(&format!("the chain starts after row #{cut}, and no retention.purge row")),
        "{}",
        report.text
    );
    // Cut past the witnessed head too: the head names a row cut less than a year after it.
    exec(&mut owner, "SET session_replication_role = replica").await;
    exec(&mut owner, "DELETE FROM audit_anchors").await;
    exec(
        &mut owner,
        &format!(
            "INSERT INTO audit_anchors (id, hash, purged_before, rows_purged) \
             SELECT id, hash, now(), 1 FROM audit_events WHERE id = {}",
            head + 1
        ),
    )
    .await;
    exec(&mut owner, &format!("DELETE FROM audit_events WHERE id <= {}", head + 1)).await;
    exec(&mut owner, "SET session_replication_role = origin").await;
    let report = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(report.text.contains(&format!("FINDING: row #{head} was witnessed at")), "{}", report.text);
    assert!(report.text.contains("less than a year ago"), "{}", report.text);
}

#[actix_rt::test]
async fn verify_restore_checks_files_and_documents_against_the_signed_responses_not_the_database() {
    let (app, witness, _) = witnessed(65).await;
    answered(&app).await;
    let mut owner = app.db.connect().await;
    let first = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    assert!(first.text.contains("4 documents; 4 verify") && first.text.contains("2 files"), "{}", first.text);
    // One file's content and its recorded hash changed together; the other file's row and
    // chunks deleted; the second order's signed document moved to the first request.
    let files: Vec<String> = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct F {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        diesel::sql_query("SELECT id::text AS id FROM data_request_attachments ORDER BY id")
            .load::<F>(&mut owner)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    exec(&mut owner, "SET session_replication_role = replica").await;
    exec(&mut owner, &format!("UPDATE attachment_chunks SET data = 'forged' WHERE attachment_id = '{}'", files[0]))
        .await;
    exec(
        &mut owner,
        &format!(
            "UPDATE data_request_attachments SET sha256 = sha256('forged'::bytea), size = 6 WHERE id = '{}'",
            files[0]
        ),
    )
    .await;
    exec(&mut owner, &format!("DELETE FROM attachment_chunks WHERE attachment_id = '{}'", files[1])).await;
    exec(&mut owner, &format!("DELETE FROM data_request_attachments WHERE id = '{}'", files[1])).await;
    exec(
        &mut owner,
        "UPDATE signed_documents SET request_id = (SELECT request_id FROM signed_documents WHERE kind = 'order' ORDER BY id LIMIT 1) \
          WHERE id = (SELECT id FROM signed_documents WHERE kind = 'order' ORDER BY id DESC LIMIT 1)",
    )
    .await;
    exec(&mut owner, "SET session_replication_role = origin").await;
    let report = app.cli(AdminCommand::VerifyRestore(options(&witness))).await.unwrap();
    let text = &report.text;
    assert!(!report.ok, "{text}");
    assert!(
        text.contains(&format!("file {} \"log.csv\"", files[0])) && text.contains("differs from its signed response's"),
        "{text}"
    );
    assert!(text.contains(&format!("file {} (20 bytes", files[1])) && text.contains("is missing"), "{text}");
    assert!(text.contains("went out, and its signed order is missing"), "{text}");
    assert!(text.contains("moved or relabelled"), "{text}");
}
