//! The platform's key for private screening: RFC 9497 VOPRF, suite `ristretto255-SHA512`, in
//! verifiable mode. A bank blinds a value, the platform evaluates the blinded element with this
//! key and proves (one batched DLEQ proof) that it used the published key; the bank unblinds,
//! finalizes and compares the first [`TAG_BYTES`] bytes with the tags it synced.
//!
//! The key is read from the configuration (a 32-byte seed, from which RFC 9497's
//! `DeriveKeyPair` makes the key pair) and never written to the database: the database holds the
//! tags, and tags plus key would be an offline dictionary of every value.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use voprf::{BlindedElement, Group, Ristretto255, VoprfServer};

/// The suite's name, as RFC 9497 spells its context string.
pub const SUITE: &str = "ristretto255-SHA512";
/// A value's tag: the first bytes of its OPRF output.
pub const TAG_BYTES: usize = 16;
/// Blinded elements per evaluation.
pub const MAX_BATCH: usize = 1000;
/// `info` of `DeriveKeyPair`: the seed makes this key and no other key of the platform.
const KEY_INFO: &[u8] = b"cyberbridge private screening";

/// One OPRF key (no `Debug`: it holds the private scalar).
pub struct OprfKey {
    server: VoprfServer<Ristretto255>,
    public_key: [u8; 32],
    key_id: String,
}

impl OprfKey {
    /// From a 32-byte seed in base64 (`openssl rand -base64 32`).
    pub fn from_seed_base64(text: &str, what: &str) -> Result<Self, String> {
        let seed = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .filter(|s| s.len() == 32)
            .ok_or(format!("{what}: a 32-byte seed in base64 (openssl rand -base64 32)"))?;
        Self::from_seed(&seed, KEY_INFO).map_err(|e| format!("{what}: {e}"))
    }

    fn from_seed(seed: &[u8], info: &[u8]) -> Result<Self, String> {
        let server = VoprfServer::<Ristretto255>::new_from_seed(seed, info).map_err(|e| e.to_string())?;
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(&Ristretto255::serialize_elem(server.get_public_key()));
        let key_id = key_id(&public_key);
        Ok(OprfKey { server, public_key, key_id })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// A value's tag, computed with the key directly (no blinding: the platform holds both).
    pub fn tag(&self, input: &[u8]) -> Result<[u8; TAG_BYTES], String> {
        let output = self.server.evaluate(input).map_err(|e| e.to_string())?;
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&output[..TAG_BYTES]);
        Ok(tag)
    }

    /// Evaluates blinded elements (each 32 bytes, already checked by [`blinded_element`]): the
    /// evaluated elements in order and one batched DLEQ proof (`c || s`, 64 bytes).
    pub fn evaluate(&self, blinded: &[BlindedElement<Ristretto255>]) -> Result<(Vec<[u8; 32]>, Vec<u8>), String> {
        self.evaluate_with(&mut rand_core_06::OsRng, blinded)
    }

    fn evaluate_with<R: rand_core_06::RngCore + rand_core_06::CryptoRng>(
        &self,
        rng: &mut R,
        blinded: &[BlindedElement<Ristretto255>],
    ) -> Result<(Vec<[u8; 32]>, Vec<u8>), String> {
        let prepared: Vec<_> = self.server.batch_blind_evaluate_prepare(blinded.iter()).collect();
        let result =
            self.server.batch_blind_evaluate_finish(rng, blinded.iter(), &prepared).map_err(|e| e.to_string())?;
        let evaluated = result
            .messages
            .map(|m| {
                let mut e = [0u8; 32];
                e.copy_from_slice(&m.serialize());
                e
            })
            .collect();
        Ok((evaluated, result.proof.serialize().to_vec()))
    }
}

/// A blinded element as sent: 32 bytes, a valid ristretto255 encoding, not the identity.
pub fn blinded_element(bytes: &[u8]) -> Option<BlindedElement<Ristretto255>> {
    (bytes.len() == 32).then(|| BlindedElement::deserialize(bytes).ok()).flatten()
}

/// The OPRF input of a value: `type || 0x00 || canonical value` (UTF-8).
pub fn input(kind: &str, canonical: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(kind.len() + 1 + canonical.len());
    out.extend_from_slice(kind.as_bytes());
    out.push(0);
    out.extend_from_slice(canonical.as_bytes());
    out
}

/// A key's id: the first 16 bytes of the SHA-256 of its public key, base64url.
pub fn key_id(public_key: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(public_key)[..16])
}

/// The configured keys: the current one and, during a rotation, the one before it (which still
/// evaluates for clients that have not synced the new set yet).
pub struct OprfKeys {
    pub current: OprfKey,
    pub previous: Option<OprfKey>,
}

impl OprfKeys {
    /// The configured key with this id.
    pub fn by_id(&self, key_id: &str) -> Option<&OprfKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref()).find(|k| k.key_id == key_id)
    }

    pub fn all(&self) -> impl Iterator<Item = &OprfKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }

    /// The public keys as JWKs, published with the signing keys (`use`: `oprf`; no JOSE
    /// algorithm verifies with them, so no signature check can pick one up).
    pub fn jwks(&self) -> Vec<serde_json::Value> {
        self.all()
            .map(|k| {
                serde_json::json!({
                    "kty": "OKP", "crv": "ristretto255", "x": URL_SAFE_NO_PAD.encode(k.public_key),
                    "kid": k.key_id, "alg": format!("VOPRF-{SUITE}"), "use": "oprf",
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voprf::{EvaluationElement, Proof, VoprfClient};

    /// Yields the given bytes, then zeros: a 64-byte wide reduction of a 32-byte canonical
    /// scalar followed by zeros is that scalar (how the RFC's fixed blinds and proof scalars
    /// are fed in).
    struct Fixed(Vec<u8>);
    impl rand_core_06::RngCore for Fixed {
        fn next_u32(&mut self) -> u32 {
            unimplemented!()
        }
        fn next_u64(&mut self) -> u64 {
            unimplemented!()
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            let n = self.0.len().min(dest.len());
            dest[..n].copy_from_slice(&self.0[..n]);
            dest[n..].fill(0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core_06::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl rand_core_06::CryptoRng for Fixed {}

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace([' ', '\n'], "")).unwrap()
    }

    /// RFC 9497, appendix A.1.2 (ristretto255-SHA512, VOPRF mode): vectors 1 and 2 (batch of
    /// one) and 3 (batch of two), server and client side.
    #[test]
    fn rfc_9497_voprf_ristretto255_sha512_test_vectors() {
        let key = OprfKey::from_seed(&h(&"a3".repeat(32)), &h("74657374206b6579")).unwrap();
        assert_eq!(key.public_key.to_vec(), h("c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"));
        let blind1 = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706";
        let blind2 = "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e";
        let out1 = "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7da4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c";
        let out2 = "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6";
        struct Vector<'a> {
            inputs: Vec<Vec<u8>>,
            blinds: Vec<&'a str>,
            blinded: Vec<&'a str>,
            evaluated: Vec<&'a str>,
            proof: &'a str,
            proof_scalar: &'a str,
            outputs: Vec<&'a str>,
        }
        let vectors = [
            Vector {
                inputs: vec![h("00")],
                blinds: vec![blind1],
                blinded: vec!["863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945"],
                evaluated: vec!["aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e"],
                proof: "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd066d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
                proof_scalar: "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
                outputs: vec![out1],
            },
            Vector {
                inputs: vec![h("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a")],
                blinds: vec![blind1],
                blinded: vec!["cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c"],
                evaluated: vec!["60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468"],
                proof: "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
                proof_scalar: "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
                outputs: vec![out2],
            },
            Vector {
                inputs: vec![h("00"), h("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a")],
                blinds: vec![blind1, blind2],
                blinded: vec![
                    "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
                    "90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
                ],
                evaluated: vec![
                    "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
                    "cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
                ],
                proof: "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
                proof_scalar: "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
                outputs: vec![out1, out2],
            },
        ];
        for v in vectors {
            // The client blinds with the vector's blinds.
            let clients: Vec<_> = v
                .inputs
                .iter()
                .zip(&v.blinds)
                .map(|(input, blind)| VoprfClient::<Ristretto255>::blind(input, &mut Fixed(h(blind))).unwrap())
                .collect();
            for (c, expected) in clients.iter().zip(&v.blinded) {
                assert_eq!(c.message.serialize().to_vec(), h(expected));
            }
            // The server evaluates what arrives as bytes, with the vector's proof scalar.
            let blinded: Vec<_> = v.blinded.iter().map(|b| blinded_element(&h(b)).unwrap()).collect();
            let (evaluated, proof) = key.evaluate_with(&mut Fixed(h(v.proof_scalar)), &blinded).unwrap();
            assert_eq!(
                evaluated.iter().map(|e| e.to_vec()).collect::<Vec<_>>(),
                v.evaluated.iter().map(|e| h(e)).collect::<Vec<_>>()
            );
            assert_eq!(proof, h(v.proof));
            // The client verifies the proof and finalizes to the vector's outputs, which the
            // server's direct evaluation (how tags are made) gives as well.
            let states: Vec<VoprfClient<Ristretto255>> = clients.iter().map(|c| c.state.clone()).collect();
            let messages: Vec<_> = evaluated.iter().map(|e| EvaluationElement::deserialize(e).unwrap()).collect();
            let proof = Proof::deserialize(&proof).unwrap();
            let pk = Ristretto255::deserialize_elem(&key.public_key).unwrap();
            let outputs = VoprfClient::batch_finalize(&v.inputs, &states, &messages, &proof, pk).unwrap();
            for ((output, expected), input) in outputs.zip(&v.outputs).zip(&v.inputs) {
                assert_eq!(output.unwrap().to_vec(), h(expected));
                assert_eq!(key.tag(input).unwrap().to_vec(), h(expected)[..TAG_BYTES]);
            }
        }
    }

    #[test]
    fn inputs_keys_and_elements() {
        assert_eq!(input("iban", "XK051212012345678906"), b"iban\0XK051212012345678906".to_vec());
        let key = OprfKey::from_seed_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]), "k").unwrap();
        assert_eq!(key.key_id().len(), 22);
        assert!(OprfKey::from_seed_base64("c2hvcnQ=", "the key").err().is_some_and(|e| e.contains("32-byte seed")));
        // Not 32 bytes, not an encoding, the identity: refused.
        assert!(blinded_element(&[1u8; 31]).is_none());
        assert!(blinded_element(&[0xffu8; 32]).is_none());
        assert!(blinded_element(&[0u8; 32]).is_none());
        assert!(blinded_element(key.public_key()).is_some());
    }
}
