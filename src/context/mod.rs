//! What else the model should see besides the stub: the file's outline, the `.proto` definitions of the
//! request and reply (or of the rpc a servicer method implements), and what the file's language finds
//! around it (sponge's dao, model and error codes; a Rust stub's trait method and types). Each piece is
//! found by the code, not named by the user. This module owns the project-wide parts (the proto index,
//! loading and caching); the language-specific finding lives in `lang/`, rendering into a prompt and
//! the token budget in `prompt.rs`.

pub mod gather;
pub mod proto;
pub mod tokens;
