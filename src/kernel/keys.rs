//! Where the platform's keys come from. None is ever in the database or in a log line:
//!
//! - from the environment (a variable the orchestrator sets);
//! - from a file (a mounted secret), which is refused when anyone but its owner may read or
//!   write it: a key left readable by others is a key already given away;
//! - for the two Ed25519 signing keys (orders and responses; the audit head), from a PKCS#11
//!   token, named by an RFC 7512 URI instead of a seed:
//!   `pkcs11:token=cyberbridge;object=orders?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/hsm-pin`.
//!   The private key never leaves the token; the server asks it for each signature.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use base64::Engine;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as TokenError, RvError};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use ring::signature::{Ed25519KeyPair, KeyPair};

/// Reads a key file, refusing one that others may read or write (`chmod 600` it, or `400`).
pub fn read_private_file(path: &Path, what: &str) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("reading {what} file {}: {e}", path.display());
    // Opened once; the mode checked is the open file's, so it cannot be swapped in between.
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o066 != 0 {
            return Err(format!(
                "{what} file {} may be read or written by others (mode {mode:03o}): refused; \
                 `chmod 600` it and keep it owned by the user the server runs as",
                path.display()
            ));
        }
    }
    if !meta.is_file() {
        return Err(format!("{what} file {} is not a file", path.display()));
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(cannot)?;
    Ok(text.trim().to_string())
}

/// A key given as a value or as a file (the value wins), read and checked.
pub fn value_or_file(value: Option<&str>, file: Option<&Path>, what: &str) -> Result<Option<String>, String> {
    match (value, file) {
        (Some(v), _) => Ok(Some(v.trim().to_string())),
        (None, Some(path)) => read_private_file(path, what).map(Some),
        (None, None) => Ok(None),
    }
}

/// A signature that could not be made: logged with its cause, answered 503 without it.
pub fn cannot_sign(what: &str, cause: String) -> super::error::ApiError {
    tracing::error!(%cause, "{what} could not sign");
    super::error::ApiError::Busy(format!("{what} does not answer; retry shortly"))
}

/// An Ed25519 signing key: a seed held in memory, or a key on a PKCS#11 token.
pub enum Ed25519Key {
    Seed(Ed25519KeyPair),
    Token(TokenKey),
}

impl Ed25519Key {
    /// From a 32-byte seed in base64, a `pkcs11:` URI, or (none given) a new random seed; the
    /// flag says whether the key was made now.
    pub fn load(value: Option<&str>, what: &str) -> Result<(Self, bool), String> {
        match value.map(str::trim) {
            Some(uri) if uri.starts_with("pkcs11:") => Ok((Ed25519Key::Token(TokenKey::open(uri, what)?), false)),
            Some(text) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("{what} is neither base64 nor a pkcs11: URI: {e}"))?;
                let seed: [u8; 32] =
                    bytes.try_into().map_err(|_| format!("{what} must be 32 bytes (an Ed25519 seed)"))?;
                Ok((Self::from_seed(&seed, what)?, false))
            }
            None => Ok((Self::from_seed(&rand::random::<[u8; 32]>(), what)?, true)),
        }
    }

    fn from_seed(seed: &[u8; 32], what: &str) -> Result<Self, String> {
        Ed25519KeyPair::from_seed_unchecked(seed).map(Ed25519Key::Seed).map_err(|e| format!("{what}: {e}"))
    }

    pub fn public_key(&self) -> &[u8] {
        match self {
            Ed25519Key::Seed(pair) => pair.public_key().as_ref(),
            Ed25519Key::Token(key) => &key.public,
        }
    }

    /// An Ed25519 signature of `message` (64 bytes); a token that does not answer is an error.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Ed25519Key::Seed(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Ed25519Key::Token(key) => key.sign(message),
        }
    }

    /// Where the key is kept, for the log and `cyberbridge admin keys` (never the key itself,
    /// never a PIN).
    pub fn source(&self) -> String {
        match self {
            Ed25519Key::Seed(_) => "seed".into(),
            Ed25519Key::Token(key) => key.uri.describe(),
        }
    }
}

/// The parts of a PKCS#11 URI (RFC 7512) the server uses.
/// No `Debug`: it may hold the PIN.
#[derive(Clone)]
pub struct TokenUri {
    pub token: String,
    pub object: String,
    pub module_path: String,
    pin: Option<String>,
}

impl TokenUri {
    /// Parses `pkcs11:token=..;object=..?module-path=..&pin-source=file:..` (or `pin-value=`);
    /// values may be percent-encoded.
    pub fn parse(uri: &str) -> Result<Self, String> {
        let rest = uri.trim().strip_prefix("pkcs11:").ok_or("a PKCS#11 URI starts with pkcs11:")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut token = None;
        let mut object = None;
        for part in path.split(';').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some(("token", v)) => token = Some(percent_decode(v)?),
                Some(("object", v)) => object = Some(percent_decode(v)?),
                Some((k, _))
                    if [
                        "manufacturer",
                        "model",
                        "serial",
                        "type",
                        "id",
                        "library-description",
                        "library-manufacturer",
                        "library-version",
                        "slot-description",
                        "slot-id",
                        "slot-manufacturer",
                    ]
                    .contains(&k) => {}
                _ => return Err(unread("an attribute", part)),
            }
        }
        let mut module_path = None;
        let mut pin = None;
        for part in query.split('&').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some(("module-path", v)) => module_path = Some(percent_decode(v)?),
                Some(("pin-value", v)) => pin = Some(percent_decode(v)?),
                Some(("pin-source", v)) => {
                    let source = percent_decode(v)?;
                    let path = source.strip_prefix("file:").unwrap_or(&source).trim_start_matches("//");
                    pin = Some(read_private_file(Path::new(path), "the token PIN")?);
                }
                _ => return Err(unread("a query attribute", part)),
            }
        }
        Ok(TokenUri {
            token: token.ok_or("the PKCS#11 URI names no token (token=)")?,
            object: object.ok_or("the PKCS#11 URI names no key (object=)")?,
            module_path: module_path.ok_or("the PKCS#11 URI names no module (module-path=)")?,
            pin,
        })
    }

    /// The URI without its PIN.
    pub fn describe(&self) -> String {
        format!("pkcs11:token={};object={} ({})", self.token, self.object, self.module_path)
    }
}

/// An attribute the server does not read, by its name only: a misplaced PIN must not reach a
/// log line.
fn unread(kind: &str, part: &str) -> String {
    let name = part.split('=').next().unwrap_or_default();
    format!("the PKCS#11 URI has {kind} this server does not read: {name}")
}

fn percent_decode(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3).ok_or("a bad percent escape in the PKCS#11 URI")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "a bad percent escape in the PKCS#11 URI")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the PKCS#11 URI is not UTF-8".to_string())
}

/// One initialised library per module path, for the life of the process (PKCS#11 allows one
/// `C_Initialize` per process; both signing keys may live on the same token).
fn library(path: &str) -> Result<Pkcs11, String> {
    static LIBRARIES: OnceLock<Mutex<HashMap<String, Pkcs11>>> = OnceLock::new();
    let mut map = LIBRARIES.get_or_init(Default::default).lock().map_err(|_| "the PKCS#11 libraries' lock")?;
    if let Some(lib) = map.get(path) {
        return Ok(lib.clone());
    }
    let lib = Pkcs11::new(path).map_err(|e| format!("loading the PKCS#11 module {path}: {e}"))?;
    match lib.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(TokenError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(format!("initialising the PKCS#11 module {path}: {e}")),
    }
    map.insert(path.to_string(), lib.clone());
    Ok(lib)
}

/// An Ed25519 private key on a token, with a logged-in session to it.
pub struct TokenKey {
    uri: TokenUri,
    public: Vec<u8>,
    session: Mutex<(Session, ObjectHandle)>,
    /// The token refused the PIN once: no more logins (they would lock it) until a restart.
    pin_refused: std::sync::atomic::AtomicBool,
}

impl TokenKey {
    pub fn open(uri: &str, what: &str) -> Result<Self, String> {
        let uri = TokenUri::parse(uri).map_err(|e| format!("{what}: {e}"))?;
        let (session, key, public) = Self::connect(&uri).map_err(|e| format!("{what} ({}): {e}", uri.describe()))?;
        let key = TokenKey { uri, public, session: Mutex::new((session, key)), pin_refused: Default::default() };
        // A private key and a public key that share a label but not a pair sign nothing.
        key.sign(b"cyberbridge: the token's key signs").map_err(|e| format!("{what} ({}): {e}", key.uri.describe()))?;
        Ok(key)
    }

    fn connect(uri: &TokenUri) -> Result<(Session, ObjectHandle, Vec<u8>), String> {
        let (session, _) = session(uri)?;
        let label = Attribute::Label(uri.object.as_bytes().to_vec());
        let private = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), label.clone()])
            .map_err(|e| e.to_string())?;
        let [key] = private[..] else {
            return Err(format!("the token holds {} private keys labelled {}, not one", private.len(), uri.object));
        };
        let public =
            session.find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), label]).map_err(|e| e.to_string())?;
        let [public] = public[..] else {
            return Err(format!("the token holds no single public key labelled {}", uri.object));
        };
        let point = match session.get_attributes(public, &[AttributeType::EcPoint]).map_err(|e| e.to_string())?.pop() {
            Some(Attribute::EcPoint(p)) => p,
            _ => return Err("the public key has no EC point (is it an Ed25519 key?)".into()),
        };
        Ok((session, key, ed25519_point(&point)?))
    }

    /// A signature by the token, checked against the public key before it is used (a faulty
    /// token or a mismatched pair never puts a bad signature into a document). The call blocks
    /// its worker for the token's round trip (SoftHSM: well under a millisecond).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        use ring::signature::{UnparsedPublicKey, ED25519};
        let signature = self.sign_on_token(message)?;
        UnparsedPublicKey::new(&ED25519, &self.public).verify(message, &signature).map_err(|_| {
            format!("the token's signature does not verify under the public key labelled {}", self.uri.object)
        })?;
        Ok(signature)
    }

    fn sign_on_token(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let mut held = self.session.lock().map_err(|_| "the token session's lock")?;
        match held.0.sign(&mechanism, held.1, message) {
            Ok(signature) => Ok(signature),
            // A PIN refused or locked: logging in again would only lock the token.
            Err(e @ TokenError::Pkcs11(RvError::PinIncorrect | RvError::PinLocked | RvError::PinExpired, _)) => {
                self.pin_refused.store(true, std::sync::atomic::Ordering::Relaxed);
                Err(format!("the signing token {PIN_REFUSED}: {e}"))
            }
            Err(_) if self.pin_refused.load(std::sync::atomic::Ordering::Relaxed) => {
                Err(format!("the signing token {PIN_REFUSED}; restart with the right PIN"))
            }
            // The session was lost (the token restarted, the device was replugged): one new one.
            Err(first) => {
                let (session, key, public) = Self::connect(&self.uri).map_err(|e| {
                    if e.contains(PIN_REFUSED) {
                        self.pin_refused.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    format!("the signing token does not answer: {first}; {e}")
                })?;
                if public != self.public {
                    return Err(format!("the key labelled {} on the token has changed", self.uri.object));
                }
                *held = (session, key);
                held.0.sign(&mechanism, held.1, message).map_err(|e| format!("the signing token: {e}"))
            }
        }
    }
}

const PIN_REFUSED: &str = "refuses the PIN";

/// A read-write session on the token the URI names, logged in as its user.
fn session(uri: &TokenUri) -> Result<(Session, Slot), String> {
    let lib = library(&uri.module_path)?;
    let slots = lib.get_slots_with_token().map_err(|e| e.to_string())?;
    let slot = slots
        .into_iter()
        .find(|s| lib.get_token_info(*s).is_ok_and(|t| t.label().trim() == uri.token))
        .ok_or_else(|| format!("no token labelled {}", uri.token))?;
    let session = lib.open_rw_session(slot).map_err(|e| e.to_string())?;
    let pin = uri.pin.clone().ok_or("the PKCS#11 URI gives no PIN (pin-source=file:...)")?;
    match session.login(UserType::User, Some(&AuthPin::from(pin))) {
        Ok(()) | Err(TokenError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok((session, slot)),
        Err(e @ TokenError::Pkcs11(RvError::PinIncorrect | RvError::PinLocked | RvError::PinExpired, _)) => {
            Err(format!("token {} {PIN_REFUSED}: {e}", uri.token))
        }
        Err(e) => Err(format!("logging in to token {}: {e}", uri.token)),
    }
}

/// The 32 key bytes of an Ed25519 `CKA_EC_POINT`: bare, or as a DER OCTET STRING (04 20 ..).
fn ed25519_point(point: &[u8]) -> Result<Vec<u8>, String> {
    match point {
        [0x04, 0x20, key @ ..] if key.len() == 32 => Ok(key.to_vec()),
        key if key.len() == 32 => Ok(key.to_vec()),
        _ => Err(format!("the public key is not an Ed25519 point ({} bytes)", point.len())),
    }
}

/// Makes a new Ed25519 key pair on the token the URI names, labelled by its `object`: the
/// private half sensitive and never extractable. Returns the public key. Refuses a label
/// already in use (`cyberbridge admin generate-token-key`).
pub fn generate_on_token(uri: &str) -> Result<Vec<u8>, String> {
    let uri = TokenUri::parse(uri)?;
    let (session, _) = session(&uri)?;
    let label = Attribute::Label(uri.object.as_bytes().to_vec());
    if !session.find_objects(std::slice::from_ref(&label)).map_err(|e| e.to_string())?.is_empty() {
        return Err(format!("the token already holds a key labelled {}", uri.object));
    }
    // The curve by its OID, 1.3.101.112 (RFC 8410).
    let params = Attribute::EcParams(vec![0x06, 0x03, 0x2b, 0x65, 0x70]);
    let public_template = [
        Attribute::Token(true),
        Attribute::Verify(true),
        label.clone(),
        params,
        Attribute::KeyType(KeyType::EC_EDWARDS),
    ];
    let private_template = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        label,
        Attribute::KeyType(KeyType::EC_EDWARDS),
    ];
    let (public, _) = session
        .generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public_template, &private_template)
        .map_err(|e| format!("generating the key on token {}: {e}", uri.token))?;
    match session.get_attributes(public, &[AttributeType::EcPoint]).map_err(|e| e.to_string())?.pop() {
        Some(Attribute::EcPoint(p)) => ed25519_point(&p),
        _ => Err("the new public key has no EC point".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("cb-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, "c2VjcmV0\n").unwrap();
        for (mode, ok) in [(0o600, true), (0o400, true), (0o640, false), (0o644, false), (0o604, false), (0o620, false)]
        {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let read = read_private_file(&path, "the test key");
            assert_eq!(read.is_ok(), ok, "mode {mode:o}: {read:?}");
            if ok {
                assert_eq!(read.unwrap(), "c2VjcmV0");
            } else {
                let message = read.unwrap_err();
                assert!(message.contains("chmod 600") && !message.contains("c2VjcmV0"), "{message}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_token_uri_names_token_key_module_and_keeps_its_pin_to_itself() {
        let uri = TokenUri::parse(
            "pkcs11:token=cyber%20bridge;object=orders;serial=1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234",
        )
        .unwrap();
        assert_eq!((uri.token.as_str(), uri.object.as_str()), ("cyber bridge", "orders"));
        assert_eq!(uri.module_path, "/usr/lib/softhsm/libsofthsm2.so");
        assert!(
            !uri.describe().contains("1234")
                && !format!("{:?}", Ed25519Key::load(None, "k").unwrap().0.source()).contains("1234")
        );
        for bad in [
            "pkcs11:object=a?module-path=/m",
            "pkcs11:token=t?module-path=/m",
            "pkcs11:token=t;object=o",
            "pkcs11:token=t;object=o;pin=1?module-path=/m",
            "pkcs11:token=%zz;object=o?module-path=/m",
        ] {
            assert!(TokenUri::parse(bad).is_err(), "{bad}");
        }
        // A misplaced PIN is not echoed.
        let misplaced = TokenUri::parse("pkcs11:token=t;object=o;pin-value=4711?module-path=/m").err().unwrap();
        assert!(misplaced.contains("pin-value") && !misplaced.contains("4711"), "{misplaced}");
        let typo = TokenUri::parse("pkcs11:token=t;object=o?module-path=/m&pin_value=4711").err().unwrap();
        assert!(!typo.contains("4711"), "{typo}");
        assert_eq!(ed25519_point(&[[0x04, 0x20].as_slice(), &[7; 32]].concat()).unwrap(), vec![7; 32]);
        assert!(ed25519_point(&[1; 31]).is_err());
    }
}
