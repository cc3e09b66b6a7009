//! `sogni.stats` (the leaderboard) and `sogni.announcements` (live in-app announcements).

use super::project::AbortSignal;
use super::surface::{call, SurfaceState};
use js_sys::Promise;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// `sogni.stats`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct StatsApi {
    state: Rc<SurfaceState>,
}

impl StatsApi {
    pub(crate) fn new(state: Rc<SurfaceState>) -> Self {
        Self { state }
    }
}

#[wasm_bindgen]
impl StatsApi {
    /// `GET /v1/leaderboard/`: `[{rank, username, address, country, value, role}]` for a
    /// `type` (e.g. `jobCompleteArtist`) and `period` (`day` or `lifetime`).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<LeaderboardItem[]>")]
    pub fn leaderboard(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LeaderboardParams")] params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(&self.state, "stats.leaderboard", &[&params], signal.into())
    }
}

/// `sogni.announcements`: what is live now, and dismissing one for the account on every
/// device. Live delivery is the socket's `appAlert` event (`apiClient.socket.on`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct AnnouncementsApi {
    state: Rc<SurfaceState>,
}

impl AnnouncementsApi {
    pub(crate) fn new(state: Rc<SurfaceState>) -> Self {
        Self { state }
    }
}

#[wasm_bindgen]
impl AnnouncementsApi {
    /// The announcements live for this account, minus dismissed ones; `platform` (your
    /// app source) also matches platform-scoped ones.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<AppAlert[]>")]
    pub fn active(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] platform: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal")] signal: JsValue,
    ) -> Promise {
        call(&self.state, "announcements.active", &[&platform], signal)
    }

    /// Dismisses an announcement for the account, on every device.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn dismiss(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(&self.state, "announcements.dismiss", &[&id], signal.into())
    }
}
