//! A small event emitter with the official SDK's `on`/`once`/`off` semantics.

use super::glue;
use js_sys::Function;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

struct Listener {
    event: String,
    callback: Function,
    once: bool,
}

/// Listeners by event name.
#[derive(Default)]
pub(crate) struct Emitter {
    listeners: RefCell<Vec<Listener>>,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Emitter({} listeners)", self.listeners.borrow().len())
    }
}

impl Emitter {
    /// Adds a listener.
    pub(crate) fn on(&self, event: &str, callback: Function, once: bool) {
        self.listeners.borrow_mut().push(Listener {
            event: event.to_string(),
            callback,
            once,
        });
    }

    /// Removes a listener (the same function object).
    pub(crate) fn off(&self, event: &str, callback: &Function) {
        self.listeners.borrow_mut().retain(|l| {
            !(l.event == event && JsValue::from(&l.callback) == JsValue::from(callback))
        });
    }

    /// Removes every listener (of one event, or all).
    pub(crate) fn clear(&self, event: Option<&str>) {
        self.listeners
            .borrow_mut()
            .retain(|l| event.is_some_and(|e| e != l.event));
    }

    /// Has `event` any listener? Hot paths check before building a payload nobody reads.
    pub(crate) fn has(&self, event: &str) -> bool {
        self.listeners.borrow().iter().any(|l| l.event == event)
    }

    /// [`Self::emit`] with the payload built only when `event` has listeners.
    pub(crate) fn emit_with(&self, event: &str, arg: impl FnOnce() -> JsValue) {
        if self.has(event) {
            self.emit(event, &arg());
        }
    }

    /// Calls the listeners of `event` with `arg`. A listener that throws is logged, not propagated.
    pub(crate) fn emit(&self, event: &str, arg: &JsValue) {
        let targets: Vec<Function> = {
            let mut listeners = self.listeners.borrow_mut();
            let targets = listeners
                .iter()
                .filter(|l| l.event == event)
                .map(|l| l.callback.clone())
                .collect();
            listeners.retain(|l| !(l.once && l.event == event));
            targets
        };
        for callback in targets {
            glue::call_listener(&callback, arg);
        }
    }
}
