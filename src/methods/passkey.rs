//! Passkeys (WebAuthn).
