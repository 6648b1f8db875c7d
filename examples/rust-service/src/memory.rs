//! A store that keeps users in memory.

use std::collections::BTreeMap;

use crate::model::{NewUser, User, UserId};
use crate::store::{StoreError, UserStore};

/// Users in a map ordered by id.
#[derive(Debug, Default)]
pub struct MemoryStore {
    users: BTreeMap<UserId, User>,
    /// The id the next inserted user gets.
    next_id: u64,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore {
            users: BTreeMap::new(),
            next_id: 1,
        }
    }

    /// Marks a user inactive; false when there is no such user.
    pub fn deactivate(&mut self, id: UserId) -> bool {
        match self.users.get_mut(&id) {
            Some(user) => {
                user.active = false;
                true
            }
            None => false,
        }
    }
}

impl UserStore for MemoryStore {
    /// Finds the user with this id, active or not.
    fn find(&self, id: UserId) -> Result<User, StoreError> {
        todo!()
    }

    /// Creates an active user with the next id, after checking the email.
    fn insert(&mut self, new: NewUser) -> Result<User, StoreError> {
        unimplemented!("validate, check for duplicates, then insert")

        // The email check can reuse the normalization in model::email.
    }

    fn list_active(&self) -> Vec<User> {
        self.users.values().filter(|u| u.active).cloned().collect()
    }
}
