//! Sidecars that travel together. A handler's sidecar calls the methods the dao's sidecar adds, and says
//! so in its `depends` header: merging the handler's brings the dao's along, and when either cannot be
//! merged (refused, failed) neither is, so that no merge leaves a build broken.

use std::path::{Path, PathBuf};

use super::{Plan, Status};
use crate::sidecar;

/// `found` and, after them, every sidecar they depend on (and those depend on) that exists.
pub fn with_dependencies(found: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut all = found;
    let mut next = 0;
    while next < all.len() {
        if let Ok(read) = sidecar::read(&all[next]) {
            for dependency in sidecar::dependencies(&all[next], &read) {
                if dependency.is_file() && !all.iter().any(|p| same_file(p, &dependency)) {
                    all.push(dependency);
                }
            }
        }
        next += 1;
    }
    all
}

/// Refuses every ready plan tied (either way) to a plan that is refused or failed, saying why; until
/// nothing changes, so that a chain is held back whole.
pub fn hold_back(plans: &mut [Plan]) {
    loop {
        let mut held = None;
        'plans: for (index, plan) in plans.iter().enumerate() {
            if !matches!(plan.status, Status::Ready { .. }) {
                continue;
            }
            for other in plans.iter().filter(|o| is_blocked(&o.status)) {
                let reason = if needs(plan, other) {
                    format!(
                        "it needs {}, which is not merged (see its message); neither is merged",
                        other.sidecar.display()
                    )
                } else if needs(other, plan) {
                    format!(
                        "{} needs it and is not merged (see its message); neither is merged",
                        other.sidecar.display()
                    )
                } else {
                    continue;
                };
                held = Some((index, reason));
                break 'plans;
            }
        }
        match held {
            Some((index, reason)) => plans[index].status = Status::Refused(reason),
            None => return,
        }
    }
}

fn is_blocked(status: &Status) -> bool {
    matches!(status, Status::Refused(_) | Status::Failed(_))
}

/// Whether `plan`'s sidecar depends on `other`'s.
fn needs(plan: &Plan, other: &Plan) -> bool {
    plan.depends.iter().any(|d| same_file(d, &other.sidecar))
}

/// The same path, or two paths to the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(sidecar: &str, depends: &[&str], status: Status) -> Plan {
        Plan {
            sidecar: PathBuf::from(sidecar),
            source: PathBuf::new(),
            status,
            original: String::new(),
            merged: String::new(),
            depends: depends.iter().map(PathBuf::from).collect(),
        }
    }

    fn ready() -> Status {
        Status::Ready {
            changed: Vec::new(),
        }
    }

    #[test]
    fn a_pair_is_held_back_whole_and_others_go_on() {
        let mut plans = vec![
            plan("h.go.assistant", &["d.go.assistant"], ready()),
            plan("d.go.assistant", &[], Status::Refused("stale".into())),
            plan("x.go.assistant", &[], ready()),
        ];
        hold_back(&mut plans);
        assert!(
            matches!(&plans[0].status, Status::Refused(r) if r.contains("needs d.go.assistant")),
            "{:?}",
            plans[0].status
        );
        assert_eq!(plans[2].status, ready());

        let mut plans = vec![
            plan(
                "h.go.assistant",
                &["d.go.assistant"],
                Status::Failed("x".into()),
            ),
            plan("d.go.assistant", &[], ready()),
        ];
        hold_back(&mut plans);
        assert!(
            matches!(&plans[1].status, Status::Refused(r) if r.contains("h.go.assistant needs it")),
            "{:?}",
            plans[1].status
        );
    }
}
