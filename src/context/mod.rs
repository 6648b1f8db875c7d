//! What else the model should see besides the stub: the file's outline, the `.proto` definitions of the
//! request and reply (or of the rpc a servicer method implements), and what the file's language finds
//! around it (a Rust stub's trait method and types), and what the project's scaffold finds (sponge's
//! dao, model and error codes; go-zero's route, service context and models). Each piece is found by
//! the code, not named by the user. This module owns the project-wide parts (the proto index, loading
//! and caching) and the budget's pieces ([`budget`]); the language-specific finding lives in `lang/`,
//! the generator-specific in `scaffold/`, rendering into a prompt and the token budget in `prompt.rs`.

pub mod budget;
pub mod gather;
pub mod proto;
pub mod tokens;
