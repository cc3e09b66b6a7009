//! One WebSocket connection: open with auth headers, decode envelopes, report closes.
//!
//! Listener closures are owned by [`SocketConn`] and removed when it is dropped.

use super::glue::{self, Socket};
use crate::protocol::envelope::{self, Envelope};
use js_sys::Uint8Array;
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a connection reports.
#[derive(Debug)]
pub(crate) enum SocketEvent {
    /// The socket is open.
    Open,
    /// One decoded server message (or why it could not be decoded).
    Message(Result<Envelope, String>),
    /// The socket closed.
    Closed {
        /// Close code (1006 when the connection broke).
        code: u16,
        /// Close reason.
        reason: String,
    },
}

type Handler = Rc<dyn Fn(SocketEvent)>;
type Listener = (&'static str, Closure<dyn FnMut(JsValue)>);

/// A live connection.
pub(crate) struct SocketConn {
    socket: Socket,
    listeners: Vec<Listener>,
}

impl std::fmt::Debug for SocketConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SocketConn(open={})", self.is_open())
    }
}

const OPEN: u16 = 1;
const CLOSED: u16 = 3;

fn decode_data(data: &JsValue, handler: &Handler) {
    if let Some(text) = data.as_string() {
        handler(SocketEvent::Message(
            Envelope::decode(text.as_bytes()).map_err(|e| e.to_string()),
        ));
    } else if data.is_instance_of::<js_sys::ArrayBuffer>() {
        let bytes = Uint8Array::new(data).to_vec();
        handler(SocketEvent::Message(
            Envelope::decode(&bytes).map_err(|e| e.to_string()),
        ));
    } else {
        // A Blob (browsers that ignored binaryType): read it asynchronously.
        let promise = glue::message_text(data);
        let handler = handler.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            handler(SocketEvent::Message(
                Envelope::decode(text.as_bytes()).map_err(|e| e.to_string()),
            ));
        });
    }
}

impl SocketConn {
    /// Opens `url` with `headers` (where the runtime allows headers) and reports to `handler`.
    pub(crate) async fn open(
        url: &str,
        headers: &[(&'static str, String)],
        handler: Handler,
    ) -> Result<Self, JsValue> {
        let h = js_sys::Object::new();
        for (k, v) in headers {
            glue::set(&h, k, &JsValue::from_str(v));
        }
        let socket: Socket = glue::open_socket(url, &h).await?.unchecked_into();
        let mut conn = Self {
            socket,
            listeners: Vec::new(),
        };
        let on_message = {
            let handler = handler.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                decode_data(&glue::get(&ev, "data"), &handler)
            })
        };
        let on_close = {
            let handler = handler.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let code = glue::get(&ev, "code").as_f64().unwrap_or(1006.0) as u16;
                let reason = glue::get(&ev, "reason").as_string().unwrap_or_default();
                handler(SocketEvent::Closed { code, reason });
            })
        };
        let on_open = {
            let handler = handler.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_ev: JsValue| handler(SocketEvent::Open))
        };
        for (kind, cb) in [
            ("message", on_message),
            ("close", on_close),
            ("open", on_open),
        ] {
            conn.socket
                .add_event_listener(kind, cb.as_ref().unchecked_ref());
            conn.listeners.push((kind, cb));
        }
        // workerd hands over an accepted (already open) socket: no `open` event will come.
        if conn.socket.ready_state() == Ok(OPEN) {
            handler(SocketEvent::Open);
        }
        Ok(conn)
    }

    /// Is the socket open?
    pub(crate) fn is_open(&self) -> bool {
        self.socket.ready_state() == Ok(OPEN)
    }

    /// Sends one envelope as a text frame.
    pub(crate) fn send(&self, kind: &str, data: &Value) -> bool {
        if !self.is_open() {
            return false;
        }
        self.socket.send(&envelope::encode(kind, data)).is_ok()
    }

    /// Closes the socket (listeners stay until drop, so the close is still reported).
    pub(crate) fn close(&self, code: u16, reason: &str) {
        let _ = self.socket.close(code, reason);
    }
}

impl Drop for SocketConn {
    fn drop(&mut self) {
        for (kind, cb) in &self.listeners {
            self.socket
                .remove_event_listener(kind, cb.as_ref().unchecked_ref());
        }
        if self.socket.ready_state().unwrap_or(CLOSED) <= OPEN {
            let _ = self.socket.close(1000, "Client disconnected");
        }
    }
}
