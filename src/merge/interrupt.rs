//! Ctrl-C during `merge`. Once [`Interrupt::listen`] returns, Ctrl-C no longer ends the process: it is
//! noted, and the merge looks at the note where stopping leaves every file whole — before anything is
//! written (staged files are removed, nothing changes), never between two renames of the files it
//! replaces (those are finished, so a pair of sidecars lands together).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Whether Ctrl-C was pressed since [`Interrupt::listen`].
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Takes Ctrl-C over, on a thread of its own; returns once the handler is in place. Where no
    /// handler can be installed, Ctrl-C keeps its default effect.
    pub fn listen() -> Interrupt {
        let interrupt = Interrupt::default();
        let flag = Arc::clone(&interrupt.0);
        let (ready, installed) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("ctrl-c".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => runtime.block_on(watch(flag, ready)),
                    Err(_) => drop(ready.send(())),
                }
            });
        if spawned.is_ok() {
            let _ = installed.recv();
        }
        interrupt
    }

    pub fn happened(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Notes an interruption, as Ctrl-C does.
    pub fn note(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[cfg(unix)]
async fn watch(flag: Arc<AtomicBool>, ready: std::sync::mpsc::Sender<()>) {
    use tokio::signal::unix::{signal, SignalKind};
    let signals = signal(SignalKind::interrupt());
    let _ = ready.send(());
    if let Ok(mut signals) = signals {
        while signals.recv().await.is_some() {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

#[cfg(not(unix))]
async fn watch(flag: Arc<AtomicBool>, ready: std::sync::mpsc::Sender<()>) {
    let _ = ready.send(());
    while tokio::signal::ctrl_c().await.is_ok() {
        flag.store(true, Ordering::SeqCst);
    }
}
