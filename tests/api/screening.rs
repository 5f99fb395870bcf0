//! Private screening (RFC 9497 VOPRF): a bank's private hits are exactly what its audited
//! look-up finds, for every organisation and value; withdrawal, expiry and TLP changes leave the
//! sets as removals in the delta, and only for those that held the value; limits, quota, keys,
//! and who may.

use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use voprf::{EvaluationElement, Group, Proof, Ristretto255, VoprfClient};

use crate::support::fixtures::{create_report, iban_xk, report_body};
use crate::support::{Org, TestApp};

const KEY: &str = "cHJpdmF0ZS1zY3JlZW5pbmctdGVzdC1zZWVkLTMyYnk=";
const OTHER_KEY: &str = "YW5vdGhlci1wcml2YXRlLXNjcmVlbmluZy1zZWVkLTM=";

async fn app_with(quota: u32, previous: Option<&str>) -> TestApp {
    TestApp::spawn_with(|c| {
        c.private_screening_key = Some(KEY.into());
        c.private_screening_previous_key = previous.map(Into::into);
        c.private_screening_quota = quota;
    })
    .await
}

/// One round of the background job (tests run it themselves).
async fn refresh(app: &TestApp) -> cyberbridge::screening::service::Round {
    cyberbridge::screening::service::refresh(&app.state).await.expect("a private screening round")
}

/// The snapshots' background step (tests run it themselves): how many were built.
async fn snapshots(app: &TestApp) -> usize {
    cyberbridge::screening::service::snapshots(&app.state).await.expect("the snapshots built")
}

fn tags_of(b64: &str) -> Vec<[u8; 16]> {
    let bytes = STANDARD.decode(b64).unwrap();
    assert_eq!(bytes.len() % 16, 0);
    bytes.chunks(16).map(|c| c.try_into().unwrap()).collect()
}

/// A bank's client: syncs its set, blinds, verifies the proof, unblinds, compares.
struct Client {
    key_id: String,
    public_key: <Ristretto255 as Group>::Elem,
    version: i64,
    set: HashSet<[u8; 16]>,
}

impl Client {
    async fn sync(app: &TestApp, auth: &str) -> Client {
        let config = app.get_as(auth, "/api/v1/screening/private/config").await.ok(200);
        assert_eq!(config["suite"], "ristretto255-SHA512");
        assert_eq!(config["tag_bytes"], 16);
        let pk = STANDARD.decode(config["public_key"].as_str().unwrap()).unwrap();
        let key_id = config["key_id"].as_str().unwrap().to_string();
        let set = app.get_as(auth, "/api/v1/screening/private/tags").await.ok(200);
        assert_eq!(set["full"], true);
        assert_eq!(set["key_id"], key_id.as_str());
        let tags = tags_of(set["added"].as_str().unwrap());
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
        assert_eq!(set["size"], tags.len());
        Client {
            key_id,
            public_key: Ristretto255::deserialize_elem(&pk).unwrap(),
            version: set["version"].as_i64().unwrap(),
            set: tags.into_iter().collect(),
        }
    }

    /// The tags of the values, through the platform (blinded; proof verified).
    async fn tags(&self, app: &TestApp, auth: &str, values: &[(&str, String)]) -> Vec<[u8; 16]> {
        let inputs: Vec<Vec<u8>> = values.iter().map(|(t, v)| cyberbridge::kernel::oprf::input(t, v)).collect();
        let blinds: Vec<_> =
            inputs.iter().map(|i| VoprfClient::<Ristretto255>::blind(i, &mut rand_core_06::OsRng).unwrap()).collect();
        let blinded: Vec<String> = blinds.iter().map(|b| STANDARD.encode(b.message.serialize())).collect();
        let body = json!({"key_id": self.key_id, "blinded": blinded});
        let answer = app.post_as(auth, "/api/v1/screening/private/evaluate", &body).await.ok(200);
        let evaluated: Vec<_> = answer["evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| EvaluationElement::deserialize(&STANDARD.decode(e.as_str().unwrap()).unwrap()).unwrap())
            .collect();
        let proof = Proof::deserialize(&STANDARD.decode(answer["proof"].as_str().unwrap()).unwrap()).unwrap();
        let states: Vec<_> = blinds.iter().map(|b| b.state.clone()).collect();
        VoprfClient::batch_finalize(&inputs, &states, &evaluated, &proof, self.public_key)
            .expect("the proof verifies under the published key")
            .map(|o| o.unwrap()[..16].try_into().unwrap())
            .collect()
    }

    async fn hits(&self, app: &TestApp, auth: &str, values: &[(&str, String)]) -> Vec<bool> {
        self.tags(app, auth, values).await.iter().map(|t| self.set.contains(t)).collect()
    }
}

/// What the audited look-up says of each value for this caller: seen or not.
async fn looked_up(app: &TestApp, auth: &str, values: &[(&str, String)]) -> Vec<bool> {
    let items: Vec<Value> = values.iter().map(|(t, v)| json!({"type": t, "value": v})).collect();
    let res = app.post_as(auth, "/api/v1/indicators/lookup", &json!({"items": items})).await.ok(200);
    res["results"].as_array().unwrap().iter().map(|r| r["seen"] == true).collect()
}

struct World {
    bank_a: Org,
    bank_b: Org,
    bank_c: Org,
    isp: Org,
    /// (type, value, report id) of each screened value, and one value no report names.
    values: Vec<(&'static str, String, String)>,
}

/// Bank A reports values under every TLP, one AMBER shared with bank B, one phone number.
async fn world(app: &TestApp) -> World {
    let bank_a = app.org("bank", "Bank A").await;
    let bank_b = app.org("bank", "Bank B").await;
    let bank_c = app.org("bank", "Bank C").await;
    let isp = app.org("isp", "ISP").await;
    let mut values = Vec::new();
    for (n, tlp, shared) in [
        (1, "green", vec![]),
        (2, "clear", vec![]),
        (3, "amber", vec![bank_b.id.as_str()]),
        (4, "amber", vec![]),
        (5, "amber_strict", vec![bank_b.id.as_str()]),
        (6, "red", vec![]),
        (7, "red", vec![bank_c.id.as_str()]),
    ] {
        let report = create_report(app, &bank_a.admin, report_body(tlp, &iban_xk(n), &shared)).await;
        values.push(("iban", iban_xk(n), report["id"].as_str().unwrap().to_string()));
    }
    let mut phone = report_body("green", &iban_xk(8), &[]);
    phone["indicators"] = json!([{"type": "phone", "value": "+38344123456"}]);
    let report = create_report(app, &bank_a.admin, phone).await;
    values.push(("phone", "+38344123456".into(), report["id"].as_str().unwrap().to_string()));
    World { bank_a, bank_b, bank_c, isp, values }
}

fn pairs(w: &World) -> Vec<(&'static str, String)> {
    let mut v: Vec<_> = w.values.iter().map(|(t, v, _)| (*t, v.clone())).collect();
    v.push(("iban", iban_xk(999_999)));
    v.push(("phone", "+38344999999".into()));
    v
}

#[actix_rt::test]
async fn every_organisations_private_hits_are_exactly_what_its_audited_look_up_finds() {
    let app = app_with(100_000, None).await;
    let w = world(&app).await;
    let round = refresh(&app).await;
    assert_eq!(round.filled, 4, "four banks and ISPs: {round:?}");
    let values = pairs(&w);
    for (org, name) in [(&w.bank_a, "bank A"), (&w.bank_b, "bank B"), (&w.bank_c, "bank C"), (&w.isp, "the ISP")] {
        let client = Client::sync(&app, &org.admin).await;
        let private = client.hits(&app, &org.admin, &values).await;
        let audited = looked_up(&app, &org.admin, &values).await;
        assert_eq!(private, audited, "{name}: private hits {private:?}, look-up {audited:?}");
        assert_eq!(client.set.len(), audited.iter().filter(|s| **s).count(), "{name}'s set holds nothing else");
    }
    // As the rule says: bank B sees GREEN, CLEAR, the AMBER and AMBER+STRICT shared with it and
    // the phone; never bank A's unshared AMBER nor its RED.
    let b = Client::sync(&app, &w.bank_b.admin).await;
    assert_eq!(
        b.hits(&app, &w.bank_b.admin, &values).await,
        [true, true, true, false, true, false, false, true, false, false]
    );
    // An API key with the look-up scope screens too; without it, 403.
    let (key, _) = app.api_key(&w.bank_b, &["indicators:lookup"]).await;
    assert_eq!(Client::sync(&app, &key).await.set, b.set);
    let (other, _) = app.api_key(&w.bank_b, &["reports:read"]).await;
    app.get_as(&other, "/api/v1/screening/private/config").await.problem(403);
    // The audit trail has how many values each call evaluated, never which.
    app.state.audit.flush().await;
    let rows = app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'screening.private_evaluate'").await;
    assert_eq!(rows, 5, "four organisations, then bank B again");
    let naming = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE action LIKE 'screening.%' AND details::text LIKE '%{}%'",
            iban_xk(1)
        ))
        .await;
    assert_eq!(naming, 0);
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'screening.private_evaluate' AND (details->>'values')::int = 10"
        )
        .await,
        rows
    );
}

#[actix_rt::test]
async fn public_sector_regulators_and_the_platform_are_refused_and_no_key_is_503() {
    let app = app_with(100_000, None).await;
    let police = app.org("law_enforcement", "Police").await;
    let fiu = app.org("fiu", "FIU").await;
    let regulator = app.org("regulator", "Regulator").await;
    let admin = app.admin().await;
    for auth in [&police.admin, &fiu.admin, &regulator.admin, &admin] {
        app.get_as(auth, "/api/v1/screening/private/config").await.problem(403);
        app.get_as(auth, "/api/v1/screening/private/tags").await.problem(403);
        let body = json!({"key_id": "x", "blinded": [STANDARD.encode([0u8; 32])]});
        app.post_as(auth, "/api/v1/screening/private/evaluate", &body).await.problem(403);
    }
    app.get("/api/v1/screening/private/config").await.problem(401);
    // A bank that must state a purpose for each search uses the audited look-up.
    let strict = TestApp::spawn_with(|c| {
        c.private_screening_key = Some(KEY.into());
        c.purpose_required = "bank".into();
    })
    .await;
    let bank = strict.org("bank", "Bank").await;
    strict.get_as(&bank.admin, "/api/v1/screening/private/config").await.problem(403);
    // No key configured: 503, and the JWKS has only signing keys.
    let off = TestApp::spawn().await;
    let bank = off.org("bank", "Bank").await;
    let p = off.get_as(&bank.admin, "/api/v1/screening/private/config").await.problem(503);
    assert!(p["detail"].as_str().unwrap().contains("not configured"), "{p}");
    let jwks = off.get("/api/v1/signing-keys").await.ok(200);
    assert!(jwks["keys"].as_array().unwrap().iter().all(|k| k["use"] == "sig"));
}

#[actix_rt::test]
async fn withdrawal_expiry_and_tlp_changes_leave_the_set_as_removals_only_for_those_who_held_the_value() {
    let app = app_with(100_000, None).await;
    let w = world(&app).await;
    refresh(&app).await;
    // Whole sets are read from snapshots built now, merged with what changes below.
    assert_eq!(snapshots(&app).await, 4, "banks A, B and C and the ISP");
    assert_eq!(snapshots(&app).await, 0, "none stale");
    let oprf = app.state.oprf.clone().unwrap();
    let tag = |t: &str, v: &str| oprf.current.tag(&cyberbridge::kernel::oprf::input(t, v)).unwrap();
    let b = Client::sync(&app, &w.bank_b.admin).await;
    let c = Client::sync(&app, &w.bank_c.admin).await;
    let (v0_b, v0_c) = (b.version, c.version);
    assert!(b.set.contains(&tag("iban", &iban_xk(1))) && b.set.contains(&tag("iban", &iban_xk(3))));
    assert!(!c.set.contains(&tag("iban", &iban_xk(3))), "AMBER shared with bank B only");
    // Nothing changed: an empty delta at the same version.
    let same = app.get_as(&w.bank_b.admin, &format!("/api/v1/screening/private/tags?since={v0_b}")).await.ok(200);
    assert_eq!(
        (same["added"].as_str(), same["removed"].as_str(), same["full"].as_bool()),
        (Some(""), Some(""), Some(false))
    );
    // Bank A withdraws GREEN value 1 and the AMBER value 3 shared with bank B.
    for (n, i) in [(1, 0), (3, 2)] {
        let path = format!("/api/v1/reports/{}/indicators/iban/{}/withdraw", w.values[i].2, iban_xk(n));
        app.post_as(&w.bank_a.admin, &path, &json!({"reason": "a wrong account"})).await.ok(200);
    }
    // CLEAR value 2's report becomes AMBER: bank C no longer sees it; bank B neither.
    let report = format!("/api/v1/reports/{}", w.values[1].2);
    app.patch_read(&w.bank_a.admin, &report, &json!({"tlp": "amber"})).await.ok(200);
    // The phone number's validity ends in two seconds (nothing in its row changes then).
    let mut db = app.db.connect().await;
    crate::support::exec(
        &mut db,
        &format!(
            "UPDATE report_indicators SET valid_until = now() + interval '2 seconds' WHERE report_id = '{}'",
            w.values[7].2
        ),
    )
    .await;
    refresh(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let round = refresh(&app).await;
    assert!(round.removed >= 4, "the phone number left every set: {round:?}");
    let delta = |org: &Org, since: i64| {
        let (app, auth) = (&app, org.admin.clone());
        async move {
            let d = app.get_as(&auth, &format!("/api/v1/screening/private/tags?since={since}")).await.ok(200);
            assert_eq!(d["full"], false);
            (tags_of(d["added"].as_str().unwrap()), tags_of(d["removed"].as_str().unwrap()), d)
        }
    };
    let (added, removed, d) = delta(&w.bank_b, v0_b).await;
    assert!(added.is_empty(), "{added:?}");
    let mut expected = vec![
        tag("iban", &iban_xk(1)),
        tag("iban", &iban_xk(2)),
        tag("iban", &iban_xk(3)),
        tag("phone", "+38344123456"),
    ];
    expected.sort();
    assert_eq!(removed, expected, "bank B's removals");
    assert_eq!(d["size"], b.set.len() - 4);
    // Bank C never held value 3: its removals do not name it.
    let (_, removed, _) = delta(&w.bank_c, v0_c).await;
    let mut expected = vec![tag("iban", &iban_xk(1)), tag("iban", &iban_xk(2)), tag("phone", "+38344123456")];
    expected.sort();
    assert_eq!(removed, expected, "bank C's removals");
    // The set after the delta is what a full sync gives, and what the look-up finds.
    let mut after: HashSet<[u8; 16]> = b.set.clone();
    for t in &delta(&w.bank_b, v0_b).await.1 {
        after.remove(t);
    }
    let fresh = Client::sync(&app, &w.bank_b.admin).await;
    assert_eq!(after, fresh.set);
    let values = pairs(&w);
    assert_eq!(fresh.hits(&app, &w.bank_b.admin, &values).await, looked_up(&app, &w.bank_b.admin, &values).await);
    // The same whole sets (read through the snapshots of v0 merged with what changed since)
    // without any snapshot (read from the entries), and from snapshots built again.
    let orgs = [&w.bank_a, &w.bank_b, &w.bank_c, &w.isp];
    let mut merged = Vec::new();
    for org in orgs {
        merged.push(app.get_as(&org.admin, "/api/v1/screening/private/tags").await.ok(200));
    }
    let mut db = app.db.connect().await;
    crate::support::exec(&mut db, "DELETE FROM private_screening_snapshots").await;
    for step in ["none", "rebuilt"] {
        for (org, merged) in orgs.iter().zip(&merged) {
            let whole = app.get_as(&org.admin, "/api/v1/screening/private/tags").await.ok(200);
            assert_eq!((&whole["added"], &whole["size"], step), (&merged["added"], &merged["size"], step));
        }
        if step == "none" {
            assert_eq!(snapshots(&app).await, 4);
        }
    }
    // A value shared again comes back as an addition.
    app.patch_read(&w.bank_a.admin, &report, &json!({"shared_with": [w.bank_b.id]})).await.ok(200);
    refresh(&app).await;
    let (added, _, d) = delta(&w.bank_b, fresh.version).await;
    assert_eq!(added, vec![tag("iban", &iban_xk(2))]);
    assert_eq!(d["size"], fresh.set.len() + 1);
    let again = Client::sync(&app, &w.bank_b.admin).await;
    assert!(again.set.contains(&tag("iban", &iban_xk(2))) && again.set.len() == fresh.set.len() + 1);
    // Whole sets are read from the snapshot: a tag planted in it shows.
    let planted = format!(
        "UPDATE private_screening_snapshots SET tags = tags || '\\x{}'::bytea, size = size + 1
                           WHERE organization_id = '{}'",
        "ff".repeat(16),
        w.bank_b.id
    );
    crate::support::exec(&mut db, &planted).await;
    let whole = app.get_as(&w.bank_b.admin, "/api/v1/screening/private/tags").await.ok(200);
    assert!(tags_of(whole["added"].as_str().unwrap()).contains(&[0xff; 16]), "{whole}");
    // Value 2 in the snapshot, then out of the set (its validity ended) and back in (made valid
    // again) after it: there once.
    crate::support::exec(&mut db, "DELETE FROM private_screening_snapshots").await;
    assert_eq!(snapshots(&app).await, 4);
    for (valid_until, in_set) in [("now() - interval '1 second'", false), ("now() + interval '1 year'", true)] {
        let link =
            format!("UPDATE report_indicators SET valid_until = {valid_until} WHERE report_id = '{}'", w.values[1].2);
        crate::support::exec(&mut db, &link).await;
        refresh(&app).await;
        let set = Client::sync(&app, &w.bank_b.admin).await.set;
        assert_eq!(set.contains(&tag("iban", &iban_xk(2))), in_set);
    }
    let back = Client::sync(&app, &w.bank_b.admin).await;
    assert_eq!(back.set, again.set);
    assert_eq!(back.hits(&app, &w.bank_b.admin, &values).await, looked_up(&app, &w.bank_b.admin, &values).await);
    // A version from the future: 422 naming `since`.
    let p = app.get_as(&w.bank_b.admin, "/api/v1/screening/private/tags?since=999999").await.problem(422);
    assert_eq!(p["errors"][0]["field"], "since");
}

#[actix_rt::test]
async fn a_bank_that_joins_during_a_bulk_load_gets_the_values_still_queued_as_later_additions() {
    let app = app_with(100_000, None).await;
    let reporter = app.org("bank", "Reporter").await;
    let report = create_report(&app, &reporter.admin, report_body("green", &iban_xk(1), &[])).await;
    refresh(&app).await;
    // 6,000 values in one import: more than a round takes (5,000).
    let mut db = app.db.connect().await;
    crate::support::exec(
        &mut db,
        "INSERT INTO indicators (id, type, value, first_seen, last_seen, report_count)
         SELECT md5('bulk' || n)::uuid, 'iban', 'XK05' || lpad(n::text, 16, '0'), now(), now(), 1
           FROM generate_series(1, 6000) AS n",
    )
    .await;
    let link = format!(
        "INSERT INTO report_indicators (indicator_id, report_id, role, valid_until)
         SELECT md5('bulk' || n)::uuid, '{}', 'beneficiary_account', now() + interval '1 year'
           FROM generate_series(1, 6000) AS n",
        report["id"].as_str().unwrap()
    );
    crate::support::exec(&mut db, &link).await;
    // A bank joins while they wait: its set is filled in the first round, beside 5,000 of them.
    let newcomer = app.org("bank", "Newcomer").await;
    refresh(&app).await;
    let whole = Client::sync(&app, &newcomer.admin).await;
    assert_eq!(whole.set.len(), 6001);
    // The values that were still queued came after the fill, as additions a client that synced
    // then receives (filled with them untagged, they would never have reached it).
    let org = newcomer.id.clone();
    let filled_at = app
        .count(&format!("SELECT min(added) AS n FROM private_screening_members WHERE organization_id = '{org}'"))
        .await;
    let at_fill = app
        .count(&format!(
            "SELECT count(*) AS n FROM private_screening_members WHERE organization_id = '{org}' AND added = {filled_at}"
        ))
        .await;
    let d = app.get_as(&newcomer.admin, &format!("/api/v1/screening/private/tags?since={filled_at}")).await.ok(200);
    let later = tags_of(d["added"].as_str().unwrap());
    assert!(
        !later.is_empty() && at_fill as usize + later.len() == 6001,
        "{at_fill} at the fill, {} later",
        later.len()
    );
    assert!(later.iter().all(|t| whole.set.contains(t)));
    // Its snapshot and the reporter's hold the same 6,001 values.
    snapshots(&app).await;
    let again = Client::sync(&app, &newcomer.admin).await;
    assert_eq!(again.set, whole.set);
    assert_eq!(Client::sync(&app, &reporter.admin).await.set, whole.set);
    // A kept size gone wrong (a round by an instance of an earlier release) is counted again
    // when the set's snapshot is built.
    for wrong in [
        format!("UPDATE private_screening_filled SET size = 0 WHERE organization_id = '{org}'"),
        format!("DELETE FROM private_screening_snapshots WHERE organization_id = '{org}'"),
    ] {
        crate::support::exec(&mut db, &wrong).await;
    }
    assert_eq!(snapshots(&app).await, 1);
    let d = app.get_as(&newcomer.admin, &format!("/api/v1/screening/private/tags?since={filled_at}")).await.ok(200);
    assert_eq!(d["size"], 6001);
}

#[actix_rt::test]
async fn batch_limits_wrong_keys_malformed_elements_and_the_daily_quota() {
    let app = app_with(1_500, None).await;
    let bank = app.org("bank", "Bank").await;
    refresh(&app).await;
    let config = app.get_as(&bank.admin, "/api/v1/screening/private/config").await.ok(200);
    let key_id = config["key_id"].as_str().unwrap();
    assert_eq!((config["max_batch"].as_i64(), config["quota_per_day"].as_i64()), (Some(1000), Some(1500)));
    let element = |i: u64| {
        let input = cyberbridge::kernel::oprf::input("iban", &iban_xk(i));
        STANDARD
            .encode(VoprfClient::<Ristretto255>::blind(&input, &mut rand_core_06::OsRng).unwrap().message.serialize())
    };
    let batch = |n: u64| (0..n).map(element).collect::<Vec<_>>();
    let evaluate = |body: Value| {
        let (app, auth) = (&app, bank.admin.clone());
        async move { app.post_as(&auth, "/api/v1/screening/private/evaluate", &body).await }
    };
    // A key that is not the platform's: 409 naming the current one.
    let p = evaluate(json!({"key_id": "not-a-key", "blinded": batch(1)})).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains(key_id), "{p}");
    let p = app.get_as(&bank.admin, "/api/v1/screening/private/tags?key_id=not-a-key").await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains(key_id), "{p}");
    // Both are on the record as refused.
    app.state.audit.flush().await;
    for action in ["screening.private_evaluate", "screening.private_tags"] {
        let sql = format!("SELECT count(*) AS n FROM audit_events WHERE action = '{action}' AND outcome = 'denied'");
        assert_eq!(app.count(&sql).await, 1, "{action}");
    }
    // Empty, over the limit, malformed: 422 naming the field; nothing counted.
    for (blinded, field) in [
        (json!([]), "blinded"),
        (json!(batch(1001)), "blinded"),
        (json!([element(1), "not base64!"]), "blinded[1]"),
        (json!([element(1), STANDARD.encode([0u8; 32])]), "blinded[1]"),
        (json!([STANDARD.encode([0xffu8; 32])]), "blinded[0]"),
    ] {
        let p = evaluate(json!({"key_id": key_id, "blinded": blinded})).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    // 1,000 evaluated, 600 more would pass 1,500: 429 until midnight UTC; 500 still fit.
    let ok = evaluate(json!({"key_id": key_id, "blinded": batch(1000)})).await.ok(200);
    assert_eq!(ok["evaluated"].as_array().unwrap().len(), 1000);
    assert_eq!(STANDARD.decode(ok["proof"].as_str().unwrap()).unwrap().len(), 64);
    let res = evaluate(json!({"key_id": key_id, "blinded": batch(600)})).await;
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 86_400);
    res.problem(429);
    evaluate(json!({"key_id": key_id, "blinded": batch(500)})).await.ok(200);
    evaluate(json!({"key_id": key_id, "blinded": batch(1)})).await.problem(429);
    let config = app.get_as(&bank.admin, "/api/v1/screening/private/config").await.ok(200);
    assert_eq!(config["evaluated_today"], 1500);
    // Each organisation has its own quota.
    let other = app.org("bank", "Other bank").await;
    app.post_as(&other.admin, "/api/v1/screening/private/evaluate", &json!({"key_id": key_id, "blinded": batch(10)}))
        .await
        .ok(200);
    // Three batches of 600 at once against the 1,490 left: two are evaluated, one is refused.
    let body = json!({"key_id": key_id, "blinded": batch(600)});
    let calls = (0..3).map(|_| app.post_as(&other.admin, "/api/v1/screening/private/evaluate", &body));
    let mut statuses: Vec<u16> = futures_util::future::join_all(calls).await.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 429]);
    let config = app.get_as(&other.admin, "/api/v1/screening/private/config").await.ok(200);
    assert_eq!(config["evaluated_today"], 1210);
}

#[actix_rt::test]
async fn during_a_rotation_both_keys_evaluate_and_the_key_is_signed_and_published() {
    let previous = TestApp::spawn_with(|c| c.private_screening_key = Some(OTHER_KEY.into())).await;
    let old_id = previous.state.oprf.as_ref().unwrap().current.key_id().to_string();
    drop(previous);
    let app = app_with(100_000, Some(OTHER_KEY)).await;
    let w = world(&app).await;
    let round = refresh(&app).await;
    assert!(round.tagged >= 16, "every value under both keys: {round:?}");
    let config = app.get_as(&w.bank_b.admin, "/api/v1/screening/private/config").await.ok(200);
    let new_id = config["key_id"].as_str().unwrap().to_string();
    assert_ne!(new_id, old_id);
    assert_eq!(config["previous_key_id"], old_id.as_str());
    // The key's signature verifies against the published JWKS, which lists both OPRF keys.
    let jwks = app.get("/api/v1/signing-keys").await.ok(200);
    let keys = jwks["keys"].as_array().unwrap();
    let signed = json!({"suite": config["suite"], "key_id": config["key_id"], "public_key": config["public_key"]});
    let payload = cyberbridge::kernel::jcs::canonical(&signed);
    cyberbridge::kernel::signing::verify_detached(keys, &payload, config["key_signature"].as_str().unwrap())
        .expect("the key is signed by the platform");
    let oprf: Vec<&str> = keys.iter().filter(|k| k["use"] == "oprf").map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(oprf, [new_id.as_str(), old_id.as_str()]);
    // A client still on the old key syncs and screens under it, with the same hits.
    let old_set = app.get_as(&w.bank_b.admin, &format!("/api/v1/screening/private/tags?key_id={old_id}")).await.ok(200);
    let mut client = Client::sync(&app, &w.bank_b.admin).await;
    assert_eq!(old_set["size"], client.set.len());
    let values = pairs(&w);
    let hits = client.hits(&app, &w.bank_b.admin, &values).await;
    client.key_id = old_id.clone();
    client.public_key = Ristretto255::deserialize_elem(&{
        let k = keys.iter().find(|k| k["kid"] == old_id.as_str()).unwrap();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(k["x"].as_str().unwrap()).unwrap()
    })
    .unwrap();
    client.set = tags_of(old_set["added"].as_str().unwrap()).into_iter().collect();
    assert_eq!(client.hits(&app, &w.bank_b.admin, &values).await, hits);
    // While the new key's tags are being computed, the old key is the one advertised.
    let mut db = app.db.connect().await;
    crate::support::exec(
        &mut db,
        &format!("UPDATE private_screening_keys SET complete = false WHERE key_id = '{new_id}'"),
    )
    .await;
    let config = app.get_as(&w.bank_b.admin, "/api/v1/screening/private/config").await.ok(200);
    assert_eq!(
        (config["key_id"].as_str(), config["previous_key_id"].as_str()),
        (Some(old_id.as_str()), Some(new_id.as_str()))
    );
    let p = app.get_as(&w.bank_b.admin, &format!("/api/v1/screening/private/tags?key_id={new_id}")).await.problem(503);
    assert!(p["detail"].as_str().unwrap().contains("being computed"), "{p}");
    let p = app.get_as(&w.bank_b.admin, "/api/v1/screening/private/tags?key_id=unknown").await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains(&new_id));
}

#[actix_rt::test]
async fn the_background_round_brings_a_new_value_to_the_sets_within_seconds() {
    let app = app_with(100_000, None).await;
    let reporter = app.org("bank", "Reporter").await;
    let bank = app.org("bank", "Bank").await;
    let _round = cyberbridge::screening::service::spawn(app.state.clone()).expect("a key is configured");
    let start = std::time::Instant::now();
    create_report(&app, &reporter.admin, report_body("green", &iban_xk(77), &[])).await;
    let size = loop {
        let res = app.get_as(&bank.admin, "/api/v1/screening/private/tags").await;
        if res.status == 200 && res.json()["size"] == 1 {
            break 1;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "not in the set after 10 s: {}", res.text());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(size, 1);
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "{:?}", start.elapsed());
    // The round reports to /metrics as a job that runs every second.
    let scrape = app.get("/metrics").await.text();
    assert!(scrape.contains("cyberbridge_job_interval_seconds{job=\"private_screening\"} 1"), "{scrape}");
    assert!(scrape.contains("cyberbridge_job_interval_seconds{job=\"private_screening_snapshots\"} 10"), "{scrape}");
    let last = scrape
        .lines()
        .find(|l| l.starts_with("cyberbridge_job_last_success_timestamp_seconds{job=\"private_screening\"}"))
        .expect("the job's last success");
    assert!(!last.ends_with(" 0"), "{last}");
}
