//! The data the directory keeps.

/// A user's id: assigned by the store, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u64);

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// Shown to other users; not unique.
    pub name: String,
    /// Normalized (see [`email::normalize`]); unique in a store.
    pub email: String,
    /// Deactivated users are kept but not listed.
    pub active: bool,
}

/// What a caller gives to create a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub email: String,
}

pub mod email {
    /// Normalizes an email address for storage and comparison.
    ///
    /// Surrounding whitespace is trimmed and the whole address lower-cased. The result must have
    /// exactly one `@`, with a non-empty local part before it and a domain after it that contains a dot,
    /// neither starting nor ending with one. Returns `None` when the address is not valid.
    pub fn normalize(raw: &str) -> Option<String> {
        panic!("implement me")
    }
}
