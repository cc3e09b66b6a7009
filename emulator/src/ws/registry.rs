//! Live socket connections, one per (account, appId).
//!
//! A newer connection with the same appId replaces the older one, which is closed with
//! 4015 (SWITCH_CONNECTION). Events for a project go to whichever connection currently
//! holds the project's appId, so they follow the client across reconnects.

use axum::body::Bytes;
use serde_json::Value;
use sogni_wasm::protocol::envelope;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::mpsc::UnboundedSender;

/// What a connection's writer task sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// One envelope, as a binary frame.
    Frame(Bytes),
    /// A close frame with code and reason; the writer stops after it.
    Close(u16, String),
}

/// A handle on one connection's writer.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Unique per connection.
    pub id: u64,
    /// Network chosen for this connection (`fast` or `relaxed`).
    pub network: std::sync::Arc<Mutex<String>>,
    tx: UnboundedSender<Outgoing>,
}

impl Connection {
    /// Queues an event for this connection; false when it is gone.
    pub fn send(&self, kind: &str, data: &Value) -> bool {
        let text = envelope::encode(kind, data);
        super::stamps::stamp(kind, data);
        self.tx.send(Outgoing::Frame(Bytes::from(text))).is_ok()
    }

    /// Queues a close frame.
    pub fn close(&self, code: u16, reason: &str) {
        let _ = self.tx.send(Outgoing::Close(code, reason.to_string()));
    }
}

/// The connection table.
#[derive(Debug, Default)]
pub struct Registry {
    next_id: AtomicU64,
    live: Mutex<HashMap<(String, String), Connection>>,
}

impl Registry {
    /// Registers a new connection for (`owner`, `app_id`), closing the one it replaces with 4015.
    pub fn register(
        &self,
        owner: &str,
        app_id: &str,
        network: &str,
        tx: UnboundedSender<Outgoing>,
    ) -> Connection {
        let conn = Connection {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            network: std::sync::Arc::new(Mutex::new(network.to_string())),
            tx,
        };
        let old = self
            .live
            .lock()
            .unwrap()
            .insert((owner.to_lowercase(), app_id.to_string()), conn.clone());
        if let Some(old) = old {
            old.close(4015, "Another connection with this appId was opened");
        }
        conn
    }

    /// Removes a connection if it is still the current one for its key.
    pub fn unregister(&self, owner: &str, app_id: &str, id: u64) {
        let mut live = self.live.lock().unwrap();
        let key = (owner.to_lowercase(), app_id.to_string());
        if live.get(&key).is_some_and(|c| c.id == id) {
            live.remove(&key);
        }
    }

    /// The current connection for (`owner`, `app_id`).
    pub fn current(&self, owner: &str, app_id: &str) -> Option<Connection> {
        self.live
            .lock()
            .unwrap()
            .get(&(owner.to_lowercase(), app_id.to_string()))
            .cloned()
    }

    /// Sends an event to the current connection for (`owner`, `app_id`); false if none.
    pub fn send(&self, owner: &str, app_id: &str, kind: &str, data: &Value) -> bool {
        self.current(owner, app_id)
            .is_some_and(|c| c.send(kind, data))
    }

    /// Every live connection of `owner` (for balance updates).
    pub fn of_owner(&self, owner: &str) -> Vec<Connection> {
        let owner = owner.to_lowercase();
        self.live
            .lock()
            .unwrap()
            .iter()
            .filter(|((o, _), _)| *o == owner)
            .map(|(_, c)| c.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    #[test]
    fn a_second_connection_with_the_same_app_id_closes_the_first_with_4015() {
        let r = Registry::default();
        let (tx1, mut rx1) = unbounded_channel();
        let (tx2, mut rx2) = unbounded_channel();
        let c1 = r.register("0xA", "app", "fast", tx1);
        let c2 = r.register("0xa", "app", "fast", tx2);
        assert_eq!(
            rx1.try_recv().unwrap(),
            Outgoing::Close(4015, "Another connection with this appId was opened".into())
        );
        assert!(r.send("0xA", "app", "x", &serde_json::json!({})));
        assert!(matches!(rx2.try_recv().unwrap(), Outgoing::Frame(_)));
        // The replaced connection going away does not remove the new one.
        r.unregister("0xA", "app", c1.id);
        assert_eq!(r.current("0xA", "app").unwrap().id, c2.id);
        r.unregister("0xA", "app", c2.id);
        assert!(r.current("0xA", "app").is_none());
    }

    #[test]
    fn other_app_ids_and_owners_are_independent() {
        let r = Registry::default();
        let (tx1, mut rx1) = unbounded_channel();
        let (tx2, _rx2) = unbounded_channel();
        let (tx3, _rx3) = unbounded_channel();
        r.register("0xA", "app", "fast", tx1);
        r.register("0xA", "other-app", "fast", tx2);
        r.register("0xB", "app", "fast", tx3);
        assert!(rx1.try_recv().is_err());
        assert_eq!(r.of_owner("0xa").len(), 2);
    }
}
