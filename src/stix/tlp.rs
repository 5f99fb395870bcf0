//! TLP as STIX marking definitions: TLP 2.0 as the OASIS objects published in
//! oasis-open/cti-stix-common-objects (extension-definition-specifications/tlp-2.0), and, on
//! ingestion, the TLP 1.0 markings built into the STIX 2.1 specification (section 7.2.1.4).

use serde_json::{json, Value};

use crate::domain::Tlp;

/// The extension every TLP 2.0 marking definition declares itself through.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// (level, id, name, `tlp_2_0` value) of the five TLP 2.0 marking definitions, as published.
const TLP2: &[(Tlp, &str, &str, &str)] = &[
    (Tlp::Clear, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"),
    (Tlp::Green, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"),
    (Tlp::Amber, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"),
    (Tlp::AmberStrict, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT", "amber+strict"),
    (Tlp::Red, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"),
];

/// The TLP 1.0 marking definitions of the STIX 2.1 specification (white is TLP 2.0's clear), and
/// OpenCTI's own TLP:AMBER+STRICT (a statement marking it sends before TLP 2.0's existed).
const TLP1: &[(Tlp, &str)] = &[
    (Tlp::Clear, "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
    (Tlp::Green, "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
    (Tlp::Amber, "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
    (Tlp::Red, "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
    (Tlp::AmberStrict, "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"),
];

pub fn marking_id(tlp: Tlp) -> &'static str {
    TLP2.iter().find(|(t, ..)| *t == tlp).map(|(_, id, ..)| *id).unwrap_or(TLP2[4].1)
}

/// The published marking-definition object of a level.
pub fn marking_definition(tlp: Tlp) -> Value {
    let (_, id, name, level) = TLP2.iter().find(|(t, ..)| *t == tlp).copied().unwrap_or(TLP2[4]);
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": name,
        "extensions": { TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level} },
    })
}

/// The level a marking definition id stands for, TLP 2.0 or TLP 1.0; None: not a TLP marking.
pub fn level_of(marking: &str) -> Option<Tlp> {
    TLP2.iter()
        .find(|(_, id, ..)| *id == marking)
        .map(|(t, ..)| *t)
        .or_else(|| TLP1.iter().find(|(_, id)| *id == marking).map(|(t, _)| *t))
}

/// The most restrictive TLP among `markings` (AMBER when none is a TLP marking).
pub fn level_of_refs<'a>(markings: impl IntoIterator<Item = &'a str>) -> Tlp {
    markings.into_iter().filter_map(level_of).max_by_key(|t| t.rank()).unwrap_or(Tlp::Amber)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_ids_and_objects() {
        // Copied from oasis-open/cti-stix-common-objects, tlp-2.0/marking-definition.json.
        assert_eq!(marking_id(Tlp::AmberStrict), "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
        assert_eq!(marking_id(Tlp::Red), "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
        let amber = marking_definition(Tlp::Amber);
        assert_eq!(amber["name"], "TLP:AMBER");
        assert_eq!(amber["extensions"][TLP2_EXTENSION]["tlp_2_0"], "amber");
        assert_eq!(amber["created"], "2022-10-01T00:00:00.000Z");
        // TLP 1.0 from the STIX 2.1 specification; white is clear.
        assert_eq!(level_of("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), Some(Tlp::Clear));
        assert_eq!(level_of("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"), Some(Tlp::Red));
        assert_eq!(
            level_of_refs(["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", marking_id(Tlp::AmberStrict)]),
            Tlp::AmberStrict
        );
        assert_eq!(level_of_refs([]), Tlp::Amber);
    }
}
