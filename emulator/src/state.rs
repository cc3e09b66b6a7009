//! The state shared by every request and connection of one emulator.

use crate::accounts::Account;
use crate::catalog::Catalog;
use crate::config::EmulatorConfig;
use crate::jobs::project::ProjectStore;
use crate::storage::Storage;
use crate::tokens::TokenSigner;
use crate::ws::registry::Registry;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Counters a test can read through `/emulator/stats`.
#[derive(Debug, Default)]
pub struct Counters {
    /// `jobRequest` frames received.
    pub job_requests: AtomicU64,
    /// `llmJobRequest` frames received.
    pub llm_job_requests: AtomicU64,
    /// Socket connections accepted (authenticated).
    pub connections: AtomicU64,
    /// Frames that could not be decoded.
    pub malformed_frames: AtomicU64,
    /// Uploads stored.
    pub uploads: AtomicU64,
}

impl Counters {
    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// Settings.
    pub config: EmulatorConfig,
    /// Models, tiers, presets and prices.
    pub catalog: Catalog,
    /// `http://127.0.0.1:PORT`, set once the listener is bound.
    pub base_url: OnceLock<String>,
    /// Signs access and refresh tokens.
    pub tokens: TokenSigner,
    /// Uploaded references and rendered results.
    pub storage: Storage,
    /// Live sockets.
    pub registry: Registry,
    /// Every project.
    pub projects: ProjectStore,
    /// LLM jobs in flight and durable chat runs.
    pub chat: crate::chat::ChatState,
    /// Accounts.
    pub accounts: Vec<Arc<Account>>,
    /// Outstanding login nonces by lowercase wallet address.
    pub nonces: Mutex<HashMap<String, String>>,
    /// Token ids revoked by logout or refresh rotation.
    pub revoked: Mutex<HashSet<String>>,
    /// Counters for tests.
    pub counters: Counters,
    /// What clients sent (for side-by-side request comparisons).
    pub requests: crate::request_log::RequestLog,
    /// The fault-injection scenario (`/emulator/faults`).
    pub faults: crate::faults::Faults,
    /// Workflows, templates, replay, subscriptions, rewards, LoRAs, saved uploads.
    pub surface: crate::surface::SurfaceState,
}

impl AppState {
    /// Builds the state; the secrets are random per run.
    pub fn new(config: EmulatorConfig, catalog: Catalog) -> Arc<Self> {
        let accounts = config
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| Arc::new(Account::from_config(u, 1000 + i as u64)))
            .collect();
        Arc::new(Self {
            tokens: TokenSigner::new(rand::random()),
            storage: Storage::new(rand::random()),
            config,
            catalog,
            base_url: OnceLock::new(),
            registry: Registry::default(),
            projects: ProjectStore::default(),
            chat: Default::default(),
            accounts,
            nonces: Mutex::new(HashMap::new()),
            revoked: Mutex::new(HashSet::new()),
            counters: Counters::default(),
            requests: Default::default(),
            surface: Default::default(),
            faults: Default::default(),
        })
    }

    /// The emulator's own base URL (for presigned URLs).
    pub fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    /// The account an API key belongs to.
    pub fn account_by_api_key(&self, key: &str) -> Option<Arc<Account>> {
        self.accounts
            .iter()
            .find(|a| a.api_keys.iter().any(|k| k == key))
            .cloned()
    }

    /// The account with this wallet address (any case), configured or signed up.
    pub fn account_by_address(&self, address: &str) -> Option<Arc<Account>> {
        self.accounts
            .iter()
            .find(|a| a.address.eq_ignore_ascii_case(address))
            .cloned()
            .or_else(|| self.surface.wallet.created_by_address(address))
    }
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
