//! A new passkey's default name, so that registering one is a single button: the authenticator's
//! model from its AAGUID when it is a well-known one, else the browser and system it was added from
//! ("Chrome on Linux"), else "Passkey". The person can rename it afterwards on /security-info.

use webauthn_rs::prelude::RegisterPublicKeyCredential;

/// Well-known AAGUIDs (from the authenticators' own published values), lower-case with dashes.
const KNOWN: &[(&str, &str)] = &[
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    ("dd4ec289-e01d-41c9-bb89-70fa845d4bf2", "iCloud Keychain"),
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
    ("fdb141b2-5d84-443e-8a35-4698c205a502", "KeePassXC"),
    ("50726f74-6f6e-5061-7373-50726f746f6e", "Proton Pass"),
    ("53414d53-554e-4700-0000-000000000000", "Samsung Pass"),
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5"),
    ("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5"),
    ("fa2b99dc-9e39-4257-8f92-4a30d23c4118", "YubiKey 5 NFC"),
    ("2fc0579f-8113-47ea-b116-bb5a8db9202a", "YubiKey 5 NFC"),
    ("c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "YubiKey 5Ci"),
];

/// The default name for a passkey registered with `credential` from a browser saying `user_agent`.
pub fn default_name(credential: &RegisterPublicKeyCredential, user_agent: Option<&str>) -> String {
    aaguid(credential)
        .and_then(|id| known(&id))
        .map(str::to_string)
        .or_else(|| user_agent.and_then(from_user_agent))
        .unwrap_or_else(|| "Passkey".into())
}

fn known(aaguid: &[u8; 16]) -> Option<&'static str> {
    if aaguid.iter().all(|b| *b == 0) {
        return None;
    }
    let text = uuid::Uuid::from_bytes(*aaguid).hyphenated().to_string();
    KNOWN
        .iter()
        .find(|(id, _)| *id == text)
        .map(|(_, name)| *name)
}

/// The AAGUID in the attested credential data of the attestation object's `authData`
/// (rpIdHash 32 bytes, flags 1, signCount 4, then the AAGUID's 16 when flag AT is set).
fn aaguid(credential: &RegisterPublicKeyCredential) -> Option<[u8; 16]> {
    let object: serde_cbor_2::Value =
        serde_cbor_2::from_slice(&credential.response.attestation_object).ok()?;
    let serde_cbor_2::Value::Map(map) = object else {
        return None;
    };
    let auth_data = map.iter().find_map(|(k, v)| match (k, v) {
        (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Bytes(v)) if k == "authData" => Some(v),
        _ => None,
    })?;
    const ATTESTED: u8 = 0x40;
    if auth_data.len() < 53 || auth_data[32] & ATTESTED == 0 {
        return None;
    }
    auth_data[37..53].try_into().ok()
}

/// "Chrome on Linux", "Safari on iPhone", … from a User-Agent header; `None` when neither is known.
pub fn from_user_agent(ua: &str) -> Option<String> {
    let browser = if ua.contains("Edg/") || ua.contains("EdgA/") || ua.contains("EdgiOS/") {
        Some("Edge")
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        Some("Firefox")
    } else if ua.contains("OPR/") {
        Some("Opera")
    } else if ua.contains("SamsungBrowser/") {
        Some("Samsung Internet")
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        Some("Chrome")
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        Some("Safari")
    } else {
        None
    };
    let system = if ua.contains("iPhone") {
        Some("iPhone")
    } else if ua.contains("iPad") {
        Some("iPad")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("Mac")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} on {s}")),
        (Some(b), None) => Some(b.to_string()),
        (None, Some(s)) => Some(format!("Passkey on {s}")),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_aaguids_name_their_authenticator_and_the_all_zero_one_names_nothing() {
        let id = |s: &str| *uuid::Uuid::parse_str(s).unwrap().as_bytes();
        assert_eq!(
            known(&id("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")),
            Some("iCloud Keychain")
        );
        assert_eq!(
            known(&id("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")),
            Some("Google Password Manager")
        );
        assert_eq!(
            known(&id("cb69481e-8ff7-4039-93ec-0a2729a154a8")),
            Some("YubiKey 5")
        );
        assert_eq!(known(&[0; 16]), None);
        assert_eq!(known(&id("01020304-0506-0708-0102-030405060708")), None);
    }

    #[test]
    fn a_user_agent_names_the_browser_and_the_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Mac",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
        ];
        for (ua, name) in cases {
            assert_eq!(from_user_agent(ua).as_deref(), Some(name), "{ua}");
        }
        assert_eq!(from_user_agent("curl/8.5.0"), None);
    }
}
