//! The exported `ChatStream`: one socket chat job, readable with `for await`.

use super::chat_glue::{iter_result, make_async_iterable};
use super::errors::to_js;
use super::glue;
use super::projects::js;
use crate::chat::{ChatJobError, ChatStream as CoreStream, StreamPoll};
use crate::Error;
use js_sys::{Object, Promise};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// A chat job's state as the wasm layer keeps it: the core stream plus whoever waits on it.
#[derive(Debug)]
pub(crate) struct StreamCell {
    pub(crate) core: RefCell<CoreStream>,
    /// The deferred of a `next()` that found nothing yet.
    next_waiter: RefCell<Option<Object>>,
    /// Deferreds of non-streaming callers: resolved with the final result.
    done_waiters: RefCell<Vec<Object>>,
    /// Set when the caller's signal aborted: every later `next()` rejects with it.
    aborted: RefCell<Option<JsValue>>,
    /// The caller's `AbortSignal`, if any.
    pub(crate) signal: JsValue,
}

/// A `ChatJobError` as the package's JS `ChatJobError` class.
pub(crate) fn chat_error_js(e: &ChatJobError) -> JsValue {
    glue::make_error("chat", &e.message, &js(&e.fields()))
}

impl StreamCell {
    pub(crate) fn new(job_id: &str, signal: JsValue) -> Self {
        Self {
            core: RefCell::new(CoreStream::new(job_id)),
            next_waiter: RefCell::new(None),
            done_waiters: RefCell::new(Vec::new()),
            aborted: RefCell::new(None),
            signal,
        }
    }

    /// Settles a waiting `next()` if the stream now has an answer for it.
    pub(crate) fn wake(&self) {
        let Some(d) = self.next_waiter.borrow_mut().take() else {
            return;
        };
        let poll = self.core.borrow_mut().poll_next();
        match poll {
            StreamPoll::Pending => *self.next_waiter.borrow_mut() = Some(d),
            other => settle_poll(&d, other),
        }
    }

    /// A deferred that settles with the final result (or the job's error).
    pub(crate) fn completion(&self) -> Promise {
        let d = glue::deferred();
        self.done_waiters.borrow_mut().push(d.clone());
        glue::get(&d, "promise").into()
    }

    /// The job finished: non-streaming callers get `result`.
    pub(crate) fn resolve_done(&self, result: &JsValue) {
        for d in self.done_waiters.borrow_mut().drain(..) {
            glue::settle(&d, true, result);
        }
    }

    /// The job failed: non-streaming callers get `error`.
    pub(crate) fn reject_done(&self, error: &JsValue) {
        for d in self.done_waiters.borrow_mut().drain(..) {
            glue::settle(&d, false, error);
        }
    }

    /// The iterator's `next()`.
    fn next(&self) -> Promise {
        if let Some(e) = self.aborted.borrow().clone() {
            return Promise::reject(&e);
        }
        if glue::get(&self.signal, "aborted").as_bool() == Some(true) {
            let e = to_js(&Error::Aborted {
                message: "The chat stream was aborted".into(),
            });
            self.core.borrow_mut().close();
            *self.aborted.borrow_mut() = Some(e.clone());
            return Promise::reject(&e);
        }
        let poll = self.core.borrow_mut().poll_next();
        let d = glue::deferred();
        let promise: Promise = glue::get(&d, "promise").into();
        match poll {
            StreamPoll::Pending => {
                // A second concurrent next() replaces nothing: it waits on the same turn.
                if let Some(old) = self.next_waiter.borrow_mut().replace(d) {
                    *self.next_waiter.borrow_mut() = Some(old);
                    return Promise::reject(&to_js(&Error::invalid(
                        "CONCURRENT_READ",
                        "ChatStream.next() called again before the previous read settled",
                    )));
                }
                let abort = to_js(&Error::Aborted {
                    message: "The chat stream was aborted".into(),
                });
                glue::with_abort(&promise, &self.signal, &abort)
            }
            other => {
                settle_poll(&d, other);
                promise
            }
        }
    }
}

fn settle_poll(d: &Object, poll: StreamPoll) {
    match poll {
        StreamPoll::Chunk(chunk) => glue::settle(d, true, &iter_result(&js(&chunk), false)),
        StreamPoll::Done => glue::settle(d, true, &iter_result(&JsValue::UNDEFINED, true)),
        StreamPoll::Error(e) => glue::settle(d, false, &chat_error_js(&e)),
        StreamPoll::Pending => {}
    }
}

/// A streaming chat completion: `for await (const chunk of stream)` yields
/// `{jobID, content, role?, finishReason?, usage?, tool_calls?}` chunks; `finalResult` is
/// the whole answer once the job finished. A `break` stops reading (the job still finishes
/// on the server, as officially); the request's `signal` aborts the reading.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ChatStream {
    cell: std::rc::Rc<StreamCell>,
}

impl ChatStream {
    pub(crate) fn wrap(cell: std::rc::Rc<StreamCell>) -> JsValue {
        make_async_iterable(&JsValue::from(ChatStream { cell }))
    }
}

#[wasm_bindgen]
impl ChatStream {
    /// The job id.
    #[wasm_bindgen(getter, js_name = jobID)]
    pub fn job_id(&self) -> String {
        self.cell.core.borrow().job_id().to_string()
    }

    /// The text received so far.
    #[wasm_bindgen(getter)]
    pub fn content(&self) -> String {
        self.cell.core.borrow().content().to_string()
    }

    /// The worker serving the job, once known.
    #[wasm_bindgen(getter, js_name = workerName)]
    pub fn worker_name(&self) -> JsValue {
        self.cell
            .core
            .borrow()
            .worker_name()
            .map_or(JsValue::UNDEFINED, js)
    }

    /// The settled cost (`{costInUSD, costInToken, …}`), once the job finished.
    #[wasm_bindgen(getter)]
    pub fn cost(&self) -> JsValue {
        self.cell
            .core
            .borrow()
            .cost()
            .map_or(JsValue::UNDEFINED, js)
    }

    /// The tool calls assembled so far (deltas merged by index).
    #[wasm_bindgen(getter, js_name = toolCalls)]
    pub fn tool_calls(&self) -> JsValue {
        js(&self.cell.core.borrow().tool_calls())
    }

    /// The `ChatCompletionResult` once the job finished, else `null`.
    #[wasm_bindgen(getter, js_name = finalResult)]
    pub fn final_result(&self) -> JsValue {
        self.cell
            .core
            .borrow()
            .final_result()
            .map_or(JsValue::NULL, |r| js(&r))
    }

    /// The async iterator's `next()`: `{value: chunk, done: false}` or `{done: true}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<ChatCompletionChunk>>")]
    pub fn next(&self) -> Promise {
        self.cell.next()
    }

    /// Stops reading (what `break` in a `for await` loop does through `return()`).
    #[wasm_bindgen(js_name = closeIterator)]
    pub fn close_iterator(&self) {
        self.cell.core.borrow_mut().close();
        self.cell.wake();
    }
}
