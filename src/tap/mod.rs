//! The Temporary Access Pass: policy, passcode generation and checking, state and reasons.
